import { APP_PARAMS_SCHEMAS, isAppMethod } from '../../common/ipc/app-api.ts';
import type { AppMethod } from '../../common/ipc/app-api.ts';
import type { Result } from '../../common/result.ts';
import { fail, ok } from '../../common/result.ts';

/** The app's own pages are served by main under this scheme and host (docs/desktop-app.md). */
export const APP_SCHEME = 'app';
export const RENDERER_HOST = 'renderer';
export const RENDERER_ORIGIN = `${APP_SCHEME}://${RENDERER_HOST}`;

/** What Electron says about the frame an IPC message came from (`event.senderFrame`). */
export interface IpcSender {
  readonly url: string;
  /** The frame is its window's top frame, not an iframe inside it. */
  readonly topFrame: boolean;
}

export interface CheckedCall {
  readonly method: AppMethod;
  readonly params: unknown;
}

/**
 * The gate in front of every renderer request (Electron security checklist: "validate the sender of
 * all IPC messages"; GitHub Desktop drops messages from untrusted senders). Only the top frame of a
 * page of ours may call, only a method of the app API, and only with arguments its zod schema accepts
 * (strict: an unknown key is refused, not passed on). Everything else is a Result, never a throw, since
 * the answer goes back across IPC.
 */
export function checkAppCall(sender: IpcSender | null, method: unknown, params: unknown): Result<CheckedCall> {
  const refused = senderRefusal(sender);
  if (refused !== null) return refused;
  if (typeof method !== 'string' || !isAppMethod(method))
    return fail(
      'E_UNKNOWN_METHOD',
      `unknown method ${typeof method === 'string' ? JSON.stringify(method.slice(0, 64)) : typeof method}`,
    );
  const parsed = APP_PARAMS_SCHEMAS[method].safeParse(params);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue === undefined ? '' : ` (${issue.path.map(String).join('.') || 'arguments'}: ${issue.message})`;
    return fail('E_SCHEMA', `invalid arguments to ${method}${where}`);
  }
  return ok({ method, params: parsed.data });
}

/**
 * The same gate for a raw IPC message: `ipcRenderer.invoke(channel, method, params)` carries exactly two
 * arguments; a page that sends more is not our preload.
 */
export function checkAppMessage(sender: IpcSender | null, args: readonly unknown[]): Result<CheckedCall> {
  const refused = senderRefusal(sender);
  if (refused !== null) return refused;
  if (args.length !== 2) return fail('E_SCHEMA', `an app call is (method, params), not ${args.length} arguments`);
  return checkAppCall(sender, args[0], args[1]);
}

function senderRefusal(sender: IpcSender | null): Result<never> | null {
  if (sender === null) return fail('E_UNAUTHORIZED', 'the calling frame is gone');
  if (!sender.topFrame) return fail('E_UNAUTHORIZED', 'calls from embedded frames are refused');
  if (!isRendererPage(sender.url)) return fail('E_UNAUTHORIZED', 'calls from pages other than the app are refused');
  return null;
}

/**
 * True for `app://renderer/...` exactly: no user info (`app://renderer@evil/`), no port, nothing else.
 * `URL.origin` cannot be compared instead: it is "null" for schemes Node's URL does not know.
 */
export function isRendererPage(url: string): boolean {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return false;
  }
  return (
    u.protocol === `${APP_SCHEME}:` &&
    u.hostname === RENDERER_HOST &&
    u.port === '' &&
    u.username === '' &&
    u.password === ''
  );
}
