import { z } from 'zod';
import { pauseParamsSchema } from '../../common/protocol/frames.ts';
import type { Result } from '../../common/result.ts';
import { fail, ok } from '../../common/result.ts';
import { APP_SCHEME } from './app-call-guard.ts';

/**
 * Small windows main opens from the tray: the reason for a pause, and the recovery passphrase (to create
 * the vault, or to unlock it when no secure keyring can). They are plain HTML forms posted back to main
 * through its own protocol handler: no script, no preload and no IPC in these windows at all, so the
 * passphrase never travels through the renderer's API.
 */
export const PROMPT_HOST = 'prompt';
export const PROMPT_KINDS = ['pause', 'new-passphrase', 'passphrase'] as const;
export type PromptKind = (typeof PROMPT_KINDS)[number];

export const PROMPT_CSP = [
  "default-src 'none'",
  "style-src 'self'",
  "form-action 'self'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** Bodies are a few fields: anything longer is not ours. */
export const MAX_PROMPT_BODY_BYTES = 4096;

/** The shortest recovery passphrase accepted, as `aev init` asks. */
export const MIN_NEW_PASSPHRASE = 12;

export type PromptAnswer =
  | { readonly kind: 'cancel' }
  | { readonly kind: 'pause'; readonly reason: string }
  | { readonly kind: 'passphrase'; readonly passphrase: string };

export function promptUrl(kind: PromptKind): string {
  return `${APP_SCHEME}://${PROMPT_HOST}/${kind}`;
}

/** The token a prompt's post carries (`?t=`), or null. */
export function promptTokenOf(requestUrl: string): string | null {
  try {
    return new URL(requestUrl).searchParams.get('t');
  } catch {
    return null;
  }
}

/** `app://prompt/<kind>` → the kind, or null for anything else (including the style sheet). */
export function promptKindOf(requestUrl: string): PromptKind | null {
  let u: URL;
  try {
    u = new URL(requestUrl);
  } catch {
    return null;
  }
  if (u.protocol !== `${APP_SCHEME}:` || u.hostname !== PROMPT_HOST) return null;
  const name = u.pathname.replace(/^\//, '');
  return (PROMPT_KINDS as readonly string[]).includes(name) ? (name as PromptKind) : null;
}

interface PageText {
  readonly title: string;
  readonly intro: string;
  readonly fields: readonly string[];
  readonly submit: string;
}

const PAGES: Readonly<Record<PromptKind, PageText>> = {
  pause: {
    title: 'Pause recording',
    intro:
      'While paused, agent tool calls are not recorded. The pause and its reason go on record as a signed gap in every open session.',
    fields: [
      '<label for="reason">Reason</label>',
      '<input id="reason" name="reason" type="text" required maxlength="500" autofocus autocomplete="off">',
    ],
    submit: 'Pause',
  },
  'new-passphrase': {
    title: 'Choose a recovery passphrase',
    intro: `The evidence vault is encrypted. The passphrase opens it when the system keychain cannot (a new computer, a reset keyring). Keep it safe: without it and the keychain the evidence cannot be read. At least ${MIN_NEW_PASSPHRASE} characters.`,
    fields: [
      '<label for="passphrase">Passphrase</label>',
      `<input id="passphrase" name="passphrase" type="password" required minlength="${MIN_NEW_PASSPHRASE}" autofocus autocomplete="new-password">`,
      '<label for="confirm">Type it again</label>',
      `<input id="confirm" name="confirm" type="password" required minlength="${MIN_NEW_PASSPHRASE}" autocomplete="new-password">`,
    ],
    submit: 'Create the vault',
  },
  passphrase: {
    title: 'Unlock the evidence vault',
    intro:
      'No secure system keychain can unlock the vault here, so the recovery passphrase is needed to record and to open evidence.',
    fields: [
      '<label for="passphrase">Recovery passphrase</label>',
      '<input id="passphrase" name="passphrase" type="password" required autofocus autocomplete="current-password">',
    ],
    submit: 'Unlock',
  },
};

/**
 * The page for one prompt, with an error line when a previous answer was refused. `token` is the
 * per-prompt secret main checks on the post, so no other page can answer a prompt in the user's place.
 */
export function promptPageHtml(kind: PromptKind, token: string, error: string | null = null): string {
  const page = PAGES[kind];
  const errorLine = error === null ? '' : `<p class="error" role="alert">${escapeHtml(error)}</p>`;
  return [
    '<!doctype html>',
    '<html lang="en"><head><meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="${PROMPT_CSP}">`,
    `<title>${page.title}</title><link rel="stylesheet" href="/prompt.css"></head>`,
    `<body><main><h1>${page.title}</h1><p>${escapeHtml(page.intro)}</p>${errorLine}`,
    `<form method="post" action="/${kind}?t=${encodeURIComponent(token)}">`,
    ...page.fields,
    `<div class="buttons"><button type="submit" name="action" value="cancel" formnovalidate>Cancel</button>`,
    `<button type="submit" name="action" value="ok" class="primary">${page.submit}</button></div>`,
    '</form></main></body></html>',
  ].join('\n');
}

export const PROMPT_CSS = `:root { color-scheme: light dark; font: 14px system-ui, sans-serif; }
body { margin: 0; padding: 20px 24px; }
h1 { font-size: 16px; margin: 0 0 8px; }
p { margin: 0 0 12px; line-height: 1.4; }
.error { color: #c62828; font-weight: 600; }
label { display: block; margin: 10px 0 4px; }
input { width: 100%; box-sizing: border-box; padding: 6px 8px; font: inherit; }
.buttons { display: flex; justify-content: flex-end; gap: 8px; margin-top: 16px; }
button { font: inherit; padding: 6px 14px; }
`;

const formSchemas = {
  pause: z.object({ action: z.literal('ok'), reason: pauseParamsSchema.shape.reason }).strict(),
  'new-passphrase': z
    .object({
      action: z.literal('ok'),
      passphrase: z.string().min(MIN_NEW_PASSPHRASE, `at least ${MIN_NEW_PASSPHRASE} characters`).max(1024),
      confirm: z.string().max(1024),
    })
    .strict(),
  passphrase: z.object({ action: z.literal('ok'), passphrase: z.string().min(1).max(1024) }).strict(),
} as const;

/**
 * Reads a posted prompt form (application/x-www-form-urlencoded). A refused answer carries a message the
 * page shows on its next rendering; the passphrase itself is never part of a message.
 */
export function parsePromptForm(kind: PromptKind, body: string): Result<PromptAnswer> {
  if (Buffer.byteLength(body) > MAX_PROMPT_BODY_BYTES) return fail('E_FRAME_TOO_LARGE', 'the answer is too long');
  const form = new URLSearchParams(body);
  // No prototype: a field named __proto__ is a field like any other.
  const fields = Object.create(null) as Record<string, string>;
  for (const [key, value] of form) {
    if (key in fields) return fail('E_SCHEMA', `the field ${key} is repeated`);
    fields[key] = value;
  }
  if (fields.action === 'cancel') return ok({ kind: 'cancel' });
  if (kind === 'pause' && typeof fields.reason === 'string') fields.reason = fields.reason.trim();
  const parsed = formSchemas[kind].safeParse(fields);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue?.path.map(String).join('.') ?? '';
    return fail('E_SCHEMA', field === '' ? 'the answer is not valid' : `${field}: ${issue?.message ?? 'invalid'}`);
  }
  const data = parsed.data;
  if ('reason' in data) return ok({ kind: 'pause', reason: data.reason });
  if ('confirm' in data && data.confirm !== data.passphrase) return fail('E_USAGE', 'the two passphrases differ');
  return ok({ kind: 'passphrase', passphrase: data.passphrase });
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
