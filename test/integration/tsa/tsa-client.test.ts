import fs from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { requestTimestamp, type RequestTimestampOptions } from '../../../electron/engine/tsa/tsa-client.ts';
import { certificatesFromPem } from '../../../electron/engine/tsa/tsa-certificate.ts';
import { buildTimestampRequest } from '../../../electron/engine/tsa/timestamp-request.ts';
import { TsaRequestError } from '../../../electron/engine/tsa/tsa-request-error.ts';
import { createTsaStamper } from '../../../electron/engine/tsa/tsa-stamper.ts';
import { verifyTimestamp } from '../../../electron/engine/tsa/verify-timestamp.ts';
import { runOpenssl, startOpensslTsa, type OpensslTsa, type OpensslTsaMode } from '../../helpers/openssl-tsa.ts';

// These tests talk to 127.0.0.1 directly; a proxy from the developer's shell must not be in the way
// (tsa-proxy.test.ts covers the proxy path).

let tsa: OpensslTsa;
let options: RequestTimestampOptions;
const data = new TextEncoder().encode('chain record 1234\n');

beforeAll(async () => {
  for (const name of ['HTTP_PROXY', 'http_proxy', 'HTTPS_PROXY', 'https_proxy']) vi.stubEnv(name, undefined);
  tsa = await startOpensslTsa({ intermediate: true, slowMs: 5_000 });
  options = { timeoutMs: 3_000, trustAnchors: certificatesFromPem(tsa.rootPem) };
});
afterAll(async () => {
  await tsa.close();
  vi.unstubAllEnvs();
});
afterEach(async () => {
  await tsa.setMode('ok');
});

async function failure(promise: Promise<unknown>): Promise<TsaRequestError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(TsaRequestError);
  return error as TsaRequestError;
}

describe('requestTimestamp against a real openssl TSA on loopback', () => {
  it('returns a reply it has verified, which openssl ts -verify also accepts', async () => {
    const request = buildTimestampRequest({ data });
    const reply = await requestTimestamp(tsa.url, request, options);
    expect(reply.verdict).toMatchObject({
      valid: true,
      signerSubject: 'O=AEV Test, CN=AEV Test TSA',
      nonce: request.nonce.toString(16),
    });
    expect(reply.verdict.chain).toHaveLength(3);

    fs.writeFileSync(path.join(tsa.dir, 'ours.tsq'), request.der);
    fs.writeFileSync(path.join(tsa.dir, 'ours.tsr'), reply.response);
    fs.writeFileSync(path.join(tsa.dir, 'ours.tok'), reply.token);
    fs.writeFileSync(path.join(tsa.dir, 'ours.dat'), data);
    const digest = Buffer.from(request.imprint.digest).toString('hex');
    for (const args of [
      ['-queryfile', 'ours.tsq', '-in', 'ours.tsr'],
      ['-data', 'ours.dat', '-in', 'ours.tsr'],
      ['-digest', digest, '-in', 'ours.tok', '-token_in'],
    ]) {
      const result = await runOpenssl(['ts', '-verify', ...args, '-CAfile', 'root.pem'], tsa.dir);
      expect(result.code, result.stderr).toBe(0);
    }
  });

  it('verifies what openssl itself asked for (openssl ts -query)', async () => {
    fs.writeFileSync(path.join(tsa.dir, 'theirs.dat'), data);
    const query = await runOpenssl(
      ['ts', '-query', '-data', 'theirs.dat', '-sha512', '-cert', '-out', 'theirs.tsq'],
      tsa.dir,
    );
    expect(query.code).toBe(0);
    const response = await tsa.stamp(new Uint8Array(fs.readFileSync(path.join(tsa.dir, 'theirs.tsq'))));
    const verdict = verifyTimestamp(response, { data }, { trustAnchors: options.trustAnchors });
    expect(verdict).toMatchObject({ valid: true, imprintAlgorithm: 'SHA-512', policy: tsa.policy });
  });

  const misbehaviours: [OpensslTsaMode, Partial<TsaRequestError>][] = [
    ['http500', { transient: true, kind: 'http-status', httpStatus: 500, code: 'E_TSA_UNAVAILABLE' }],
    ['slow', { transient: true, kind: 'timeout', code: 'E_TIMEOUT' }],
    ['down', { transient: true, kind: 'network', code: 'E_TSA_UNAVAILABLE' }],
    ['garbage', { transient: false, kind: 'invalid-reply', check: 'TSA_MALFORMED', code: 'E_TSA_INVALID' }],
    ['wrong-content-type', { transient: false, kind: 'content-type', code: 'E_TSA_PROTOCOL' }],
    ['other-imprint', { transient: false, kind: 'invalid-reply', check: 'TSA_IMPRINT_MISMATCH' }],
    ['wrong-nonce', { transient: false, kind: 'invalid-reply', check: 'TSA_NONCE_MISMATCH' }],
  ];
  for (const [mode, expected] of misbehaviours) {
    it(`refuses a TSA in '${mode}' mode as ${expected.transient === true ? 'transient' : 'permanent'}`, async () => {
      await tsa.setMode(mode);
      const started = Date.now();
      const error = await failure(
        requestTimestamp(tsa.url, buildTimestampRequest({ data }), { ...options, timeoutMs: 800 }),
      );
      expect(error).toMatchObject(expected);
      expect(Date.now() - started).toBeLessThan(4_000);
    });
  }

  it('works again once the TSA is back up', async () => {
    await tsa.setMode('down');
    await failure(requestTimestamp(tsa.url, buildTimestampRequest({ data }), options));
    await tsa.setMode('ok');
    expect((await requestTimestamp(tsa.url, buildTimestampRequest({ data }), options)).verdict.valid).toBe(true);
  });

  it('stops when the caller aborts, and calls that transient', async () => {
    await tsa.setMode('slow');
    const controller = new AbortController();
    setTimeout(() => {
      controller.abort();
    }, 100);
    const error = await failure(
      requestTimestamp(tsa.url, buildTimestampRequest({ data }), { ...options, signal: controller.signal }),
    );
    expect(error).toMatchObject({ kind: 'aborted', transient: true });
  });

  it('refuses a reply larger than the limit before parsing it', async () => {
    const error = await failure(
      requestTimestamp(tsa.url, buildTimestampRequest({ data }), { ...options, maxResponseBytes: 200 }),
    );
    expect(error).toMatchObject({ kind: 'too-large', transient: false });
  });

  it('refuses a reply from a TSA outside the trust store', async () => {
    const other = await startOpensslTsa({ keyType: 'ec' });
    try {
      const error = await failure(
        requestTimestamp(tsa.url, buildTimestampRequest({ data }), {
          ...options,
          trustAnchors: certificatesFromPem(other.rootPem),
        }),
      );
      expect(error).toMatchObject({ kind: 'invalid-reply', check: 'TSA_CHAIN', transient: false });
    } finally {
      await other.close();
    }
  });

  it('refuses a genTime far from the local clock when a skew bound is set', async () => {
    const future = (): Date => new Date(Date.now() + 3_600_000);
    const error = await failure(
      requestTimestamp(tsa.url, buildTimestampRequest({ data }), { ...options, now: future, maxClockSkewMs: 60_000 }),
    );
    expect(error).toMatchObject({ kind: 'invalid-reply', check: 'TSA_ACCURACY' });
    const ok = await requestTimestamp(tsa.url, buildTimestampRequest({ data }), { ...options, maxClockSkewMs: 60_000 });
    expect(ok.verdict.valid).toBe(true);
  });

  it('refuses a URL that is not http or https without sending anything', async () => {
    const before = tsa.requestCount();
    const error = await failure(requestTimestamp('ftp://127.0.0.1/tsa', buildTimestampRequest({ data }), options));
    expect(error).toMatchObject({ kind: 'bad-url', transient: false, code: 'E_CONFIG' });
    expect(tsa.requestCount()).toBe(before);
  });
});

describe('createTsaStamper: the shape the TSA queue calls', () => {
  it('stamps an imprint and hands back the stored response and genTime', async () => {
    const imprint = new Uint8Array(32).fill(9);
    const stamp = await createTsaStamper(options).stamp(tsa.url, imprint);
    expect(Date.parse(stamp.genTime)).toBeGreaterThan(Date.now() - 120_000);
    const again = verifyTimestamp(stamp.response, { digest: imprint }, { trustAnchors: options.trustAnchors });
    expect(again).toMatchObject({ valid: true, genTime: stamp.genTime });
    expect(Buffer.from(stamp.response).includes(stamp.token)).toBe(true);
  });

  it('passes a transient failure through for the queue to back off on', async () => {
    await tsa.setMode('http500');
    const error = await failure(createTsaStamper(options).stamp(tsa.url, new Uint8Array(32)));
    expect(error.transient).toBe(true);
  });
});

describe('TSAs whose certificate breaks RFC 3161 §2.3', () => {
  for (const leaf of ['eku-not-critical', 'leaf-is-ca'] as const) {
    it(`refuses the reply of a TSA whose leaf is ${leaf}, as openssl does`, async () => {
      const bad = await startOpensslTsa({ leaf, keyType: 'ec' });
      try {
        const request = buildTimestampRequest({ data });
        const error = await failure(
          requestTimestamp(bad.url, request, { timeoutMs: 3_000, trustAnchors: certificatesFromPem(bad.rootPem) }),
        );
        expect(error).toMatchObject({
          kind: 'invalid-reply',
          transient: false,
          check: leaf === 'leaf-is-ca' ? 'TSA_LEAF_IS_CA' : 'TSA_EKU',
        });
        fs.writeFileSync(path.join(bad.dir, 'bad.tsq'), request.der);
        fs.writeFileSync(path.join(bad.dir, 'bad.tsr'), await bad.stamp(request.der));
        const openssl = await runOpenssl(
          ['ts', '-verify', '-queryfile', 'bad.tsq', '-in', 'bad.tsr', '-CAfile', 'root.pem'],
          bad.dir,
        );
        expect(openssl.code).not.toBe(0);
        expect(openssl.stderr).toContain('unsuitable certificate purpose');
      } finally {
        await bad.close();
      }
    });
  }
});
