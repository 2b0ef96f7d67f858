import { describe, expect, it } from 'vitest';
import { describeKeyring, probeOsKeyring } from '../../../../native/keychain/keyring.ts';
import type { KeyringPort } from '../../../../native/keychain/keyring.ts';

const port = (backend: string, secure: boolean): KeyringPort => ({
  backend,
  secure,
  get: () => Promise.resolve(null),
  set: () => Promise.resolve(),
  delete: () => Promise.resolve(),
});

describe('OS keyring adapter', () => {
  it('tells doctor what to do when there is no keyring', () => {
    const line = describeKeyring(null);
    expect(line).toContain('recovery passphrase');
    expect(line).toContain('gnome-keyring');
    expect(line).not.toContain('\n');
  });

  it('names a secure backend and says an insecure one is not used for vault keys', () => {
    expect(describeKeyring(port('macos-keychain', true))).toMatch(/^macos-keychain: secure/);
    const insecure = describeKeyring(port('basic_text', false));
    expect(insecure).toMatch(/^basic_text: not a secure keyring/);
    expect(insecure).toContain('passphrase is required');
  });

  it('finds no keyring on a platform whose keyring-rs store is only an in-memory mock', async () => {
    expect(await probeOsKeyring('agent-evidence-test', { platform: 'openbsd' })).toBeNull();
  });

  it('returns either nothing or a keyring that really stores, returns and deletes a secret', async () => {
    const keyring = await probeOsKeyring('agent-evidence-test', { timeoutMs: 5000 });
    if (keyring === null) return;
    const account = `unit-${String(process.pid)}`;
    await keyring.set(account, 'round trip');
    expect(await keyring.get(account)).toBe('round trip');
    await keyring.delete(account);
    expect(await keyring.get(account)).toBeNull();
  });
});
