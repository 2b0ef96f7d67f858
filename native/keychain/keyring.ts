import { randomBytes } from 'node:crypto';
import type * as napiKeyring from '@napi-rs/keyring';
import { AevError } from '../../electron/common/errors.ts';

/**
 * The OS keyring as the vault sees it (DESIGN.md §5): a place to keep one secret per vault. `secure` is
 * false for stores that do not protect secrets at rest per user (Electron safeStorage's basic_text, for
 * instance); the vault never relies on those and requires a recovery passphrase instead.
 */
export interface KeyringPort {
  readonly backend: string;
  readonly secure: boolean;
  get(account: string): Promise<string | null>;
  set(account: string, secret: string): Promise<void>;
  delete(account: string): Promise<void>;
}

export interface ProbeOptions {
  /** Per operation; a Secret Service waiting on an unlock prompt nobody can answer must not hang us. */
  readonly timeoutMs?: number;
  readonly platform?: NodeJS.Platform;
}

type KeyringModule = typeof napiKeyring;
type LinuxStore = 'secret-service';

const DEFAULT_TIMEOUT_MS = 10_000;

/**
 * Finds a usable OS keyring by a real set/get/delete round trip of a throwaway entry. Returns null when
 * none works, including when the native module is missing or broken: never throws.
 */
export async function probeOsKeyring(
  service = 'agent-evidence',
  options: ProbeOptions = {},
): Promise<KeyringPort | null> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const platform = options.platform ?? process.platform;
  const backend = backendFor(platform);
  if (backend === null) return null;
  let mod: KeyringModule;
  try {
    // Lazy, so a missing or broken native module means "no keyring", never a crash at startup.
    mod = await import('@napi-rs/keyring');
  } catch {
    return null;
  }
  const port = new NapiKeyring(mod, service, backend.name, backend.store, timeoutMs);
  return (await port.roundTrip()) ? port : null;
}

/**
 * The store @napi-rs/keyring (keyring-rs) uses on this OS. On Linux only the Secret Service counts,
 * pinned so a later call can never fall back silently to the kernel keyutils store: that one is in
 * memory only (lost at reboot), and probing it here failed intermittently and left orphaned keys. Other
 * platforms get keyring-rs's in-memory mock store, which is no keyring at all.
 */
function backendFor(
  platform: NodeJS.Platform,
): { readonly name: string; readonly store: LinuxStore | undefined } | null {
  if (platform === 'darwin') return { name: 'macos-keychain', store: undefined };
  if (platform === 'win32') return { name: 'windows-credential', store: undefined };
  if (platform === 'linux' || platform === 'freebsd') return { name: 'secret-service', store: 'secret-service' };
  return null;
}

/** One line for `aev doctor`, saying what to do when the keyring is missing or not secure. */
export function describeKeyring(k: KeyringPort | null): string {
  if (k === null) {
    return (
      'no usable OS keyring (no Secret Service on the session D-Bus, or the keyring module failed to load): ' +
      'the vault needs its recovery passphrase to unlock; on Linux run gnome-keyring, KWallet or KeePassXC in your session'
    );
  }
  if (k.secure) return `${k.backend}: secure OS keyring, unlocks the vault without the passphrase`;
  return `${k.backend}: not a secure keyring, not used for vault keys, so the recovery passphrase is required`;
}

class NapiKeyring implements KeyringPort {
  readonly backend: string;
  // Every backend this adapter selects keeps secrets encrypted per user and survives a restart.
  readonly secure = true;
  readonly #mod: KeyringModule;
  readonly #service: string;
  readonly #store: LinuxStore | undefined;
  readonly #timeoutMs: number;

  constructor(mod: KeyringModule, service: string, backend: string, store: LinuxStore | undefined, timeoutMs: number) {
    this.#mod = mod;
    this.#service = service;
    this.backend = backend;
    this.#store = store;
    this.#timeoutMs = timeoutMs;
  }

  get(account: string): Promise<string | null> {
    return this.#run('read', account, (e, signal) => e.getPassword(signal));
  }

  async set(account: string, secret: string): Promise<void> {
    await this.#run('write', account, (e, signal) => e.setPassword(secret, signal));
  }

  async delete(account: string): Promise<void> {
    await this.#run('delete', account, (e, signal) => e.deletePassword(signal));
  }

  /** True when a throwaway secret can be written, read back unchanged and removed. */
  async roundTrip(): Promise<boolean> {
    const account = `probe-${randomBytes(8).toString('hex')}`;
    const secret = randomBytes(16).toString('base64');
    try {
      await this.set(account, secret);
      const back = await this.get(account);
      await this.delete(account);
      return back === secret;
    } catch {
      await this.delete(account).catch(() => undefined);
      return false;
    }
  }

  async #run<T>(
    what: string,
    account: string,
    op: (e: InstanceType<KeyringModule['AsyncEntry']>, signal: AbortSignal) => Promise<T>,
  ): Promise<T> {
    const controller = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        controller.abort();
        reject(
          new AevError('E_TIMEOUT', `the ${this.backend} keyring did not answer within ${this.#timeoutMs} ms`, {
            account,
          }),
        );
      }, this.#timeoutMs);
      timer.unref();
    });
    try {
      // Constructing an entry pinned to an absent store throws, so it belongs inside the try.
      const entry = new this.#mod.AsyncEntry(
        this.#service,
        account,
        this.#store === undefined ? undefined : { linux: { store: this.#store } },
      );
      return await Promise.race([op(entry, controller.signal), timeout]);
    } catch (cause) {
      if (cause instanceof AevError) throw cause;
      const detail = cause instanceof Error ? cause.message : String(cause);
      throw new AevError(
        'E_KEYRING_UNAVAILABLE',
        `cannot ${what} the ${this.backend} keyring: ${detail}`,
        { account },
        { cause },
      );
    } finally {
      clearTimeout(timer);
    }
  }
}
