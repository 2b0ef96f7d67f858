import type { KeyringPort } from '../../../native/keychain/keyring.ts';
import { AevError, toErrorBody } from '../../common/errors.ts';
import { fromEngineSchema, toEngineSchema } from './host-messages.ts';
import type { KeyringInfo, MessageLink } from './host-messages.ts';

const DEFAULT_TIMEOUT_MS = 15_000;

/**
 * The engine's side of the app's keyring (DESIGN.md §5): in the desktop app the vault's keyring secret is
 * protected by Electron safeStorage, which only main has; the engine's utility process reaches it through
 * this `KeyringPort` over its parent channel. The vault code sees the same port as headless (the OS
 * keyring adapter), so one unlock path serves both, including its refusal of keyrings that are not secure.
 */
export class ChannelKeyring implements KeyringPort {
  readonly backend: string;
  readonly secure: boolean;
  readonly #link: MessageLink;
  readonly #timeoutMs: number;
  readonly #pending = new Map<number, { resolve: (v: string | null) => void; reject: (e: AevError) => void }>();
  #nextId = 1;

  constructor(link: MessageLink, info: KeyringInfo, timeoutMs = DEFAULT_TIMEOUT_MS) {
    this.backend = info.backend;
    this.secure = info.secure;
    this.#link = link;
    this.#timeoutMs = timeoutMs;
    link.onMessage((message) => {
      const parsed = toEngineSchema.safeParse(message);
      if (!parsed.success || parsed.data.type !== 'keyring-reply') return;
      const { id, result } = parsed.data;
      const waiter = this.#pending.get(id);
      if (waiter === undefined) return;
      this.#pending.delete(id);
      if (result.ok) waiter.resolve(result.value);
      else waiter.reject(new AevError(result.code, result.message));
    });
  }

  get(account: string): Promise<string | null> {
    return this.#request('get', account);
  }

  async set(account: string, secret: string): Promise<void> {
    await this.#request('set', account, secret);
  }

  async delete(account: string): Promise<void> {
    await this.#request('delete', account);
  }

  #request(op: 'get' | 'set' | 'delete', account: string, secret?: string): Promise<string | null> {
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        reject(new AevError('E_TIMEOUT', `the ${this.backend} keyring did not answer within ${this.#timeoutMs} ms`));
      }, this.#timeoutMs);
      timer.unref();
      this.#pending.set(id, {
        resolve: (v) => {
          clearTimeout(timer);
          resolve(v);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
      this.#link.send({ type: 'keyring', id, op, account, ...(secret === undefined ? {} : { secret }) });
    });
  }
}

/**
 * Main's side: answers the engine process's keyring requests from `keyring` (the safeStorage-backed one
 * in the app). Requests that do not parse are ignored; failures go back as coded errors, never secrets.
 */
export function serveKeyringRequests(link: MessageLink, keyring: KeyringPort | null): () => void {
  return link.onMessage((message) => {
    const parsed = fromEngineSchema.safeParse(message);
    if (!parsed.success) {
      // A keyring request we can answer (it has an id) but will not serve: say why instead of going silent.
      const id = keyringRequestId(message);
      if (id !== null)
        link.send({
          type: 'keyring-reply',
          id,
          result: { ok: false, code: 'E_SCHEMA', message: 'malformed keyring request (account name?)' },
        });
      return;
    }
    if (parsed.data.type !== 'keyring') return;
    const { id, op, account, secret } = parsed.data;
    const reply = (result: { ok: true; value: string | null } | { ok: false; code: string; message: string }): void => {
      link.send({ type: 'keyring-reply', id, result });
    };
    if (keyring === null) {
      reply({ ok: false, code: 'E_KEYRING_UNAVAILABLE', message: 'the app has no keyring' });
      return;
    }
    const run = async (): Promise<string | null> => {
      switch (op) {
        case 'get':
          return keyring.get(account);
        case 'set':
          if (secret === undefined) throw new AevError('E_SCHEMA', 'a keyring write needs a secret');
          await keyring.set(account, secret);
          return null;
        case 'delete':
          await keyring.delete(account);
          return null;
      }
    };
    run().then(
      (value) => {
        reply({ ok: true, value });
      },
      (error: unknown) => {
        reply({ ok: false, ...toErrorBody(error) });
      },
    );
  });
}

function keyringRequestId(message: unknown): number | null {
  if (typeof message !== 'object' || message === null) return null;
  const m = message as { type?: unknown; id?: unknown };
  return m.type === 'keyring' && typeof m.id === 'number' && Number.isInteger(m.id) && m.id > 0 ? m.id : null;
}
