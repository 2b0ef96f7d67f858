import type { KeyringPort } from '../../../../native/keychain/keyring.ts';

/**
 * A fake that stands in for the OS keyring (macOS Keychain, Windows Credential Manager, Secret
 * Service), which unit tests cannot rely on. The real Secret Service path is covered by
 * test/integration/vault/secret-service.test.ts.
 */
export class MemoryKeyring implements KeyringPort {
  readonly backend: string;
  readonly secure: boolean;
  readonly entries = new Map<string, string>();
  /** When set, every call rejects, as a locked or crashed keyring would. */
  failWith: Error | null = null;

  constructor(secure = true, backend = secure ? 'memory-fake' : 'memory-basic-text-fake') {
    this.secure = secure;
    this.backend = backend;
  }

  get(account: string): Promise<string | null> {
    return this.failWith !== null ? Promise.reject(this.failWith) : Promise.resolve(this.entries.get(account) ?? null);
  }

  set(account: string, secret: string): Promise<void> {
    if (this.failWith !== null) return Promise.reject(this.failWith);
    this.entries.set(account, secret);
    return Promise.resolve();
  }

  delete(account: string): Promise<void> {
    if (this.failWith !== null) return Promise.reject(this.failWith);
    this.entries.delete(account);
    return Promise.resolve();
  }
}
