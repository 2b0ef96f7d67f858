import { randomBytes, timingSafeEqual } from 'node:crypto';
import { BrowserWindow } from 'electron';
import {
  MAX_PROMPT_BODY_BYTES,
  PROMPT_CSS,
  PROMPT_CSP,
  parsePromptForm,
  promptKindOf,
  promptPageHtml,
  promptTokenOf,
  promptUrl,
} from '../engine/host/prompt-page.ts';
import type { PromptAnswer, PromptKind } from '../engine/host/prompt-page.ts';
import { SECURE_WEB_PREFERENCES } from './app-windows.ts';

interface Open {
  readonly window: BrowserWindow;
  readonly token: string;
  readonly answer: Promise<PromptAnswer | null>;
  readonly resolve: (a: PromptAnswer | null) => void;
  error: string | null;
}

const TITLES: Readonly<Record<PromptKind, string>> = {
  pause: 'Pause recording',
  'new-passphrase': 'Agent Evidence: recovery passphrase',
  passphrase: 'Agent Evidence: unlock',
};

/**
 * The tray's small questions (pause reason, recovery passphrase) as windows with a plain HTML form that
 * posts back to app://prompt/ (electron/engine/host/prompt-page.ts): no preload, no script, no IPC.
 * One window per kind; asking again focuses it.
 */
export class Prompts {
  readonly #open = new Map<PromptKind, Open>();

  /** Resolves with the answer, or null when the user cancels or closes the window. */
  ask(kind: PromptKind, error: string | null = null): Promise<PromptAnswer | null> {
    const existing = this.#open.get(kind);
    if (existing !== undefined) {
      existing.error = error;
      existing.window.focus();
      return existing.answer;
    }
    let resolve: (a: PromptAnswer | null) => void = () => undefined;
    const answer = new Promise<PromptAnswer | null>((r) => {
      resolve = r;
    });
    const window = new BrowserWindow({
      width: 440,
      height: kind === 'new-passphrase' ? 380 : 300,
      resizable: false,
      minimizable: false,
      maximizable: false,
      title: TITLES[kind],
      autoHideMenuBar: true,
      webPreferences: SECURE_WEB_PREFERENCES,
    });
    const open: Open = { window, token: randomBytes(24).toString('base64url'), answer, resolve, error };
    this.#open.set(kind, open);
    window.on('closed', () => {
      this.#finish(kind, null);
    });
    void window.loadURL(promptUrl(kind));
    return answer;
  }

  /** The app:// protocol handler's part for app://prompt/. */
  async handle(request: Request): Promise<Response> {
    const url = new URL(request.url);
    if (url.pathname === '/prompt.css') return text(PROMPT_CSS, 'text/css; charset=utf-8');
    const kind = promptKindOf(request.url);
    const open = kind === null ? undefined : this.#open.get(kind);
    if (kind === null || open === undefined) return new Response('not found', { status: 404 });
    if (request.method === 'GET') return page(kind, open.token, open.error);
    if (request.method !== 'POST' || !tokenMatches(promptTokenOf(request.url), open.token))
      return new Response('forbidden', { status: 403 });
    const body = await request.text();
    const parsed =
      Buffer.byteLength(body) > MAX_PROMPT_BODY_BYTES
        ? ({ ok: false, code: 'E_FRAME_TOO_LARGE', message: 'the answer is too long' } as const)
        : parsePromptForm(kind, body);
    if (!parsed.ok) {
      open.error = parsed.message;
      return page(kind, open.token, open.error);
    }
    this.#finish(kind, parsed.value.kind === 'cancel' ? null : parsed.value);
    return text('', 'text/plain');
  }

  #finish(kind: PromptKind, answer: PromptAnswer | null): void {
    const open = this.#open.get(kind);
    if (open === undefined) return;
    this.#open.delete(kind);
    open.resolve(answer);
    if (!open.window.isDestroyed()) open.window.close();
  }
}

function page(kind: PromptKind, token: string, error: string | null): Response {
  return new Response(promptPageHtml(kind, token, error), {
    headers: {
      'content-type': 'text/html; charset=utf-8',
      'content-security-policy': PROMPT_CSP,
      'cache-control': 'no-store',
    },
  });
}

function text(body: string, type: string): Response {
  return new Response(body, { headers: { 'content-type': type, 'cache-control': 'no-store' } });
}

function tokenMatches(given: string | null, want: string): boolean {
  const a = Buffer.from(given ?? '');
  const b = Buffer.from(want);
  return a.length === b.length && timingSafeEqual(a, b);
}
