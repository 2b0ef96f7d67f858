import { generateX25519Identity, identityToRecipient } from 'age-encryption';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ErrorCode } from '../../../../electron/common/errors.ts';
import { AevError } from '../../../../electron/common/errors.ts';
import {
  MAX_REQUEST_BYTES,
  REQUEST_NAMESPACE,
  formatRequestFile,
  requestSignedBytes,
} from '../../../../electron/engine/requests/request-format.ts';
import type { ClipRequest } from '../../../../electron/engine/requests/request-format.ts';
import { readRequestFile, verifyRequest } from '../../../../electron/engine/requests/verify-request.ts';
import {
  fingerprintSha256,
  generateDeviceKey,
  loadDeviceKey,
  publicKeyOpenSsh,
} from '../../../../electron/engine/seal/device-key.ts';
import type { LoadedDeviceKey } from '../../../../electron/engine/seal/device-key.ts';
import { signSshsig } from '../../../../electron/engine/seal/sshsig.ts';
import { makeTempDir } from '../../../helpers/temp-dir.ts';

const NOW = Date.parse('2026-11-30T12:00:00.000Z');
const DAY = 24 * 3600_000;

function codeOf(fn: () => unknown): ErrorCode | 'none' {
  try {
    fn();
    return 'none';
  } catch (error) {
    if (error instanceof AevError) return error.code;
    throw error;
  }
}

describe('clip request files (hostile input)', () => {
  const tmp = makeTempDir('aev-request-');
  let lead: LoadedDeviceKey;
  let recipient: string;
  let otherRecipient: string;

  beforeAll(async () => {
    lead = loadDeviceKey(generateDeviceKey().privateKeyPkcs8Der);
    recipient = await identityToRecipient(await generateX25519Identity());
    otherRecipient = await identityToRecipient(await generateX25519Identity());
  });
  afterAll(() => {
    tmp.cleanup();
  });

  function body(over: Partial<ClipRequest> = {}): ClipRequest {
    return {
      type: 'agent-evidence-request',
      v: 1,
      sessionId: 's_01KAREQUESTEDSESSION0000000',
      range: { kind: 'tool', fromTool: 'toolu_01', toTool: 'toolu_03' },
      reason: 'SOC 2 change review of the deploy on Friday',
      recipient,
      requester: {
        publicKey: publicKeyOpenSsh(lead.publicKeyRaw, ''),
        fingerprint: fingerprintSha256(lead.publicKeyRaw),
      },
      createdAt: new Date(NOW - 3600_000).toISOString(),
      expiresAt: new Date(NOW + 7 * DAY).toISOString(),
      nonce: randomBytes(32).toString('base64url'),
      ...over,
    };
  }

  /** A request file signed by the lead's key over `signed`, carrying `shown` (default: the same). */
  function file(signed: ClipRequest, shown: unknown = signed, namespace = REQUEST_NAMESPACE): Buffer {
    const signature = signSshsig(requestSignedBytes(signed), lead.privateKey, namespace);
    return Buffer.from(formatRequestFile({ request: shown as ClipRequest, signature }));
  }

  it('accepts a well-formed request signed by the key it names, and names it by the hash of its canonical JSON', () => {
    const r = body();
    const v = verifyRequest(file(r), NOW);
    expect(v.request).toEqual(r);
    expect(v.requesterKey.equals(lead.publicKeyRaw)).toBe(true);
    expect(v.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(verifyRequest(file(r), NOW).sha256).toBe(v.sha256);
    expect(verifyRequest(file(body()), NOW).sha256).not.toBe(v.sha256);
  });

  it.each([
    ['the range', (r: ClipRequest) => ({ ...r, range: { kind: 'tool', fromTool: 'toolu_01', toTool: 'toolu_09' } })],
    ['the session', (r: ClipRequest) => ({ ...r, sessionId: 's_01KAOTHERSESSION000000000' })],
    ['the reason', (r: ClipRequest) => ({ ...r, reason: 'something else' })],
    ['the expiry', (r: ClipRequest) => ({ ...r, expiresAt: new Date(NOW + 20 * DAY).toISOString() })],
  ])('calls a request whose %s changed after signing altered (E_REQUEST_SIGNATURE)', (_what, change) => {
    const r = body();
    expect(codeOf(() => verifyRequest(file(r, change(r)), NOW))).toBe('E_REQUEST_SIGNATURE');
  });

  it('calls a request re-addressed to another age recipient altered', () => {
    const r = body();
    expect(codeOf(() => verifyRequest(file(r, { ...r, recipient: otherRecipient }), NOW))).toBe('E_REQUEST_SIGNATURE');
  });

  it('refuses a request whose signature had one byte flipped', () => {
    const text = file(body()).toString('utf8');
    const header = text.indexOf('BEGIN SSH SIGNATURE-----\\n');
    expect(header).toBeGreaterThan(0);
    const start = header + 40;
    for (const at of [start, start + 60, start + 200]) {
      const flipped = `${text.slice(0, at)}${text[at] === 'A' ? 'B' : 'A'}${text.slice(at + 1)}`;
      expect(codeOf(() => verifyRequest(Buffer.from(flipped), NOW))).toBe('E_REQUEST_SIGNATURE');
    }
  });

  it('refuses a chain-record signature (namespace agent-evidence) passed off as a request signature', () => {
    const r = body();
    expect(codeOf(() => verifyRequest(file(r, r, 'agent-evidence'), NOW))).toBe('E_REQUEST_SIGNATURE');
  });

  it('refuses a request signed by another key than the one it names', () => {
    const r = body();
    const other = loadDeviceKey(generateDeviceKey().privateKeyPkcs8Der);
    const signature = signSshsig(requestSignedBytes(r), other.privateKey, REQUEST_NAMESPACE);
    expect(codeOf(() => verifyRequest(Buffer.from(formatRequestFile({ request: r, signature })), NOW))).toBe(
      'E_REQUEST_SIGNATURE',
    );
  });

  it('refuses a fingerprint that does not belong to the key', () => {
    const other = loadDeviceKey(generateDeviceKey().privateKeyPkcs8Der);
    const r = body({
      requester: {
        publicKey: publicKeyOpenSsh(lead.publicKeyRaw, ''),
        fingerprint: fingerprintSha256(other.publicKeyRaw),
      },
    });
    expect(codeOf(() => verifyRequest(file(r), NOW))).toBe('E_REQUEST_INVALID');
  });

  it.each([
    ['an unknown member', (r: ClipRequest) => ({ ...r, withhold: [] })],
    ['a missing member', (r: ClipRequest) => ({ ...r, nonce: undefined })],
    ['a second version', (r: ClipRequest) => ({ ...r, v: 2 })],
    [
      'a range that ends before it starts',
      (r: ClipRequest) => ({
        ...r,
        range: { kind: 'time', from: '2026-11-30T10:00:00.000Z', to: '2026-11-30T09:00:00.000Z' },
      }),
    ],
    ['a reason with terminal control characters', (r: ClipRequest) => ({ ...r, reason: 'ok\u001b[2Jcleared' })],
    ['a session id with a path in it', (r: ClipRequest) => ({ ...r, sessionId: '../../etc/passwd' })],
    ['a recipient that is not age', (r: ClipRequest) => ({ ...r, recipient: 'ssh-ed25519 AAAA' })],
  ])('refuses a request with %s as invalid, even when that is what was signed', (_what, change) => {
    const r = change(body()) as ClipRequest;
    const signature = signSshsig(Buffer.from(JSON.stringify(r)), lead.privateKey, REQUEST_NAMESPACE);
    expect(codeOf(() => verifyRequest(Buffer.from(JSON.stringify({ request: r, signature })), NOW))).toBe(
      'E_REQUEST_INVALID',
    );
  });

  it('refuses a recipient with a broken bech32 checksum', () => {
    const broken = `${recipient.slice(0, -1)}${recipient.endsWith('q') ? 'p' : 'q'}`;
    expect(codeOf(() => verifyRequest(file(body({ recipient: broken })), NOW))).toBe('E_REQUEST_INVALID');
  });

  it('refuses an expired request, one from the future and one that would live longer than 30 days', () => {
    const expired = body({
      createdAt: new Date(NOW - 8 * DAY).toISOString(),
      expiresAt: new Date(NOW - DAY).toISOString(),
    });
    expect(codeOf(() => verifyRequest(file(expired), NOW))).toBe('E_REQUEST_EXPIRED');
    const future = body({
      createdAt: new Date(NOW + 3600_000).toISOString(),
      expiresAt: new Date(NOW + DAY).toISOString(),
    });
    expect(codeOf(() => verifyRequest(file(future), NOW))).toBe('E_REQUEST_INVALID');
    const forever = body({ expiresAt: new Date(NOW + 60 * DAY).toISOString() });
    expect(codeOf(() => verifyRequest(file(forever), NOW))).toBe('E_REQUEST_INVALID');
    // A few minutes of clock difference between the two machines is fine.
    const skewed = body({ createdAt: new Date(NOW + 60_000).toISOString() });
    expect(codeOf(() => verifyRequest(file(skewed), NOW))).toBe('none');
  });

  it('refuses garbage of every shape with E_REQUEST_INVALID, never a stack trace', () => {
    const garbage = [
      randomBytes(2048),
      Buffer.from([0xff, 0xfe, 0x00, 0x41]),
      Buffer.from(''),
      Buffer.from('[]'),
      Buffer.from('null'),
      Buffer.from('{"request":{},"signature":""}'),
      Buffer.from(`${'['.repeat(50_000)}${']'.repeat(50_000)}`),
      Buffer.from(JSON.stringify({ request: 'x'.repeat(1000), signature: 1 })),
    ];
    for (const g of garbage) expect(codeOf(() => verifyRequest(g, NOW))).toBe('E_REQUEST_INVALID');
  });

  it('reads no more than the size cap of a file, or of an endless device', () => {
    const big = path.join(tmp.dir, 'big.json');
    fs.writeFileSync(big, Buffer.alloc(MAX_REQUEST_BYTES + 1, 0x20));
    expect(codeOf(() => readRequestFile(big))).toBe('E_REQUEST_INVALID');
    expect(codeOf(() => readRequestFile('/dev/zero'))).toBe('E_REQUEST_INVALID');
    expect(codeOf(() => readRequestFile(path.join(tmp.dir, 'missing.json')))).toBe('E_IO');
    const ok = path.join(tmp.dir, 'ok.json');
    fs.writeFileSync(ok, file(body()));
    expect(verifyRequest(readRequestFile(ok), NOW).request.reason).toMatch(/SOC 2/);
  });
});
