import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { AevError } from '../../../../electron/common/errors.ts';
import { buildTimestampRequest } from '../../../../electron/engine/tsa/timestamp-request.ts';
import { runOpenssl } from '../../../helpers/openssl-tsa.ts';
import { makeTempDir } from '../../../helpers/temp-dir.ts';

const temps: { cleanup(): void }[] = [];
afterEach(() => {
  for (const t of temps.splice(0)) t.cleanup();
});

describe('buildTimestampRequest (RFC 3161 §2.4.1)', () => {
  it('writes a v1 request that openssl reads: SHA-256 imprint, 64-bit nonce, certReq', async () => {
    const temp = makeTempDir();
    temps.push(temp);
    const data = new TextEncoder().encode('record 7');
    const request = buildTimestampRequest({ data });
    fs.writeFileSync(path.join(temp.dir, 'q.tsq'), request.der);
    const text = await runOpenssl(['ts', '-query', '-in', 'q.tsq', '-text'], temp.dir);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain('Version: 1');
    expect(text.stdout).toContain('Hash Algorithm: sha256');
    expect(text.stdout).toContain('Certificate required: yes');
    expect(text.stdout).toMatch(new RegExp(`Nonce: 0x0*${request.nonce.toString(16)}`, 'i'));
    const digest = createHash('sha256').update(data).digest();
    expect(Buffer.from(request.imprint.digest)).toEqual(digest);
    expect(Buffer.from(request.der).includes(digest)).toBe(true);
  });

  it('draws a fresh nonce each time', () => {
    const nonces = new Set(Array.from({ length: 50 }, () => buildTimestampRequest({ data: new Uint8Array() }).nonce));
    expect(nonces.size).toBe(50);
    for (const nonce of nonces) expect(nonce > 0n && nonce < 2n ** 64n).toBe(true);
  });

  it('encodes a nonce with the top bit set as a positive INTEGER', async () => {
    const temp = makeTempDir();
    temps.push(temp);
    const request = buildTimestampRequest(
      { data: new Uint8Array([1]) },
      { random: () => new Uint8Array([0x80, 0, 0, 0, 0, 0, 0, 1]) },
    );
    expect(request.nonce).toBe(0x8000000000000001n);
    fs.writeFileSync(path.join(temp.dir, 'q.tsq'), request.der);
    const text = await runOpenssl(['ts', '-query', '-in', 'q.tsq', '-text'], temp.dir);
    expect(text.stdout).toMatch(/Nonce: 0x8000000000000001/i);
  });

  it('takes a ready SHA-256 digest and a policy, and refuses a digest of the wrong length', () => {
    const digest = new Uint8Array(32).fill(7);
    const request = buildTimestampRequest({ digest }, { policy: '1.2.3.4.5' });
    expect(request.policy).toBe('1.2.3.4.5');
    expect(request.imprint.digest).toEqual(digest);
    expect(() => buildTimestampRequest({ digest: new Uint8Array(20) })).toThrow(AevError);
  });
});
