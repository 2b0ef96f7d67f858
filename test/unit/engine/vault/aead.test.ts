import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { openBytes, SEAL_OVERHEAD, sealBytes } from '../../../../electron/engine/vault/aead.ts';

describe('AES-256-GCM sealing', () => {
  const key = randomBytes(32);
  const aad = Buffer.from('agent-evidence/test');

  it('opens what it sealed, adding only the IV and tag', () => {
    const plaintext = Buffer.from('the agent ran rm -rf build/');
    const sealed = sealBytes(key, plaintext, aad);
    expect(sealed.length).toBe(plaintext.length + SEAL_OVERHEAD);
    expect(sealed.includes(plaintext)).toBe(false);
    expect(openBytes(key, sealed, aad).equals(plaintext)).toBe(true);
  });

  it('uses a fresh IV each time, so equal plaintexts seal differently', () => {
    const plaintext = Buffer.alloc(64, 7);
    const a = sealBytes(key, plaintext, aad);
    const b = sealBytes(key, plaintext, aad);
    expect(a.subarray(0, 12).equals(b.subarray(0, 12))).toBe(false);
    expect(a.equals(b)).toBe(false);
  });

  it('seals and opens an empty plaintext', () => {
    expect(openBytes(key, sealBytes(key, Buffer.alloc(0), aad), aad).length).toBe(0);
  });

  it('refuses a different AAD, a different key, a flipped bit and a truncation with E_OBJECT_CORRUPT', () => {
    const sealed = sealBytes(key, Buffer.from('payload'), aad);
    const flipped = Buffer.from(sealed);
    flipped[14] = (flipped[14] ?? 0) ^ 1;
    const attempts = [
      () => openBytes(key, sealed, Buffer.from('agent-evidence/other')),
      () => openBytes(randomBytes(32), sealed, aad),
      () => openBytes(key, flipped, aad),
      () => openBytes(key, sealed.subarray(0, SEAL_OVERHEAD - 1), aad),
      () => openBytes(key.subarray(0, 16), sealed, aad),
    ];
    for (const attempt of attempts) expect(attempt).toThrow(expect.objectContaining({ code: 'E_OBJECT_CORRUPT' }));
  });

  it('refuses to seal with a key that is not 256 bits', () => {
    expect(() => sealBytes(randomBytes(16), Buffer.from('x'), aad)).toThrow(
      expect.objectContaining({ code: 'E_INTERNAL' }),
    );
  });
});
