import fs from 'node:fs';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CliIo } from '../../../electron/cli/cli-io.ts';
import { run } from '../../../electron/cli/commands/tsa-verify-token.ts';
import { buildTimestampRequest } from '../../../electron/engine/tsa/timestamp-request.ts';
import { startOpensslTsa, type OpensslTsa } from '../../helpers/openssl-tsa.ts';

let tsa: OpensslTsa;
const data = new TextEncoder().encode('window 9 head\n');

beforeAll(async () => {
  tsa = await startOpensslTsa({ keyType: 'ec' });
  const request = buildTimestampRequest({ data });
  fs.writeFileSync(path.join(tsa.dir, 'reply.tsr'), await tsa.stamp(request.der));
  fs.writeFileSync(path.join(tsa.dir, 'data.txt'), data);
  fs.writeFileSync(path.join(tsa.dir, 'digest.hex'), Buffer.from(request.imprint.digest).toString('hex'));
  fs.writeFileSync(
    path.join(tsa.dir, 'not-a-cert.pem'),
    '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n',
  );
});
afterAll(async () => {
  await tsa.close();
});

async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (c: Buffer) => (out += c.toString()));
  stderr.on('data', (c: Buffer) => (err += c.toString()));
  const io: CliIo = { stdin: new PassThrough(), stdout, stderr, env: {}, cwd: tsa.dir };
  const code = await run(argv, io);
  return { code, out, err };
}

describe('aev tsa verify-token', () => {
  it('prints the verdict, genTime with accuracy, TSA name, signer and policy', async () => {
    const result = await cli(
      '--data',
      'data.txt',
      '--token',
      'reply.tsr',
      '--trust',
      'root.pem',
      '--policy',
      tsa.policy,
    );
    expect(result.code).toBe(0);
    expect(result.out).toContain('Verification: OK');
    expect(result.out).toMatch(/Time\s+\d{4}-\d\d-\d\dT[\d:.]+Z ± 1\.5001 s/);
    expect(result.out).toMatch(/TSA name\s+O=AEV Test, CN=AEV Test TSA/);
    expect(result.out).toMatch(/Signer\s+O=AEV Test, CN=AEV Test TSA/);
    expect(result.out).toContain(`Policy     ${tsa.policy}`);
    expect(result.err).toBe('');
  });

  it('verifies from the digest alone, and exits 1 with a coded reason when it does not match', async () => {
    const digest = fs.readFileSync(path.join(tsa.dir, 'digest.hex'), 'utf8');
    expect((await cli('--digest', digest, '--token', 'reply.tsr', '--trust', 'root.pem')).code).toBe(0);
    const wrong = await cli('--digest', 'ab'.repeat(32), '--token', 'reply.tsr', '--trust', 'root.pem', '--json');
    expect(wrong.code).toBe(1);
    expect(JSON.parse(wrong.out)).toMatchObject({ valid: false, code: 'TSA_IMPRINT_MISMATCH' });
  });

  it('exits 1 for a policy outside the allow-list', async () => {
    const result = await cli('--data', 'data.txt', '--token', 'reply.tsr', '--trust', 'root.pem', '--policy', '1.9.9');
    expect(result.code).toBe(1);
    expect(result.out).toContain('TSA_POLICY');
  });

  const usage: [string, string[], RegExp][] = [
    ['no imprint', ['--token', 'reply.tsr', '--trust', 'root.pem'], /exactly one of --data or --digest/],
    [
      'both imprints',
      ['--data', 'data.txt', '--digest', 'aa', '--token', 'reply.tsr', '--trust', 'root.pem'],
      /exactly one/,
    ],
    ['no token', ['--data', 'data.txt', '--trust', 'root.pem'], /--token is required/],
    ['no trust store', ['--data', 'data.txt', '--token', 'reply.tsr'], /--trust is required/],
    [
      'a missing token file',
      ['--data', 'data.txt', '--token', 'gone.tsr', '--trust', 'root.pem'],
      /cannot read --token gone\.tsr \(ENOENT\)/,
    ],
    [
      'a directory as data',
      ['--data', '.', '--token', 'reply.tsr', '--trust', 'root.pem'],
      /cannot read --data \. \(EISDIR\)/,
    ],
    [
      'a trust file without certificates',
      ['--data', 'data.txt', '--token', 'reply.tsr', '--trust', 'data.txt'],
      /holds no PEM certificate/,
    ],
    [
      'a broken certificate',
      ['--data', 'data.txt', '--token', 'reply.tsr', '--trust', 'not-a-cert.pem'],
      /does not parse/,
    ],
    ['a SHA-1 digest', ['--digest', 'aa'.repeat(20), '--token', 'reply.tsr', '--trust', 'root.pem'], /SHA-1/],
    ['a digest that is not hex', ['--digest', 'xyz', '--token', 'reply.tsr', '--trust', 'root.pem'], /hexadecimal/],
    [
      'an unknown option',
      ['--data', 'data.txt', '--token', 'reply.tsr', '--trust', 'root.pem', '--fast'],
      /Unknown option '--fast'/,
    ],
  ];
  for (const [what, argv, message] of usage) {
    it(`exits 2 with a one-line reason for ${what}`, async () => {
      const result = await cli(...argv);
      expect(result.code).toBe(2);
      expect(result.err).toMatch(message);
      expect(result.err).toContain('usage: aev tsa verify-token');
      expect(result.err).not.toMatch(/\n\s+at /);
      expect(result.out).toBe('');
    });
  }

  it('says what is wrong when a response is passed where a token was announced', async () => {
    const result = await cli('--data', 'data.txt', '--token', 'reply.tsr', '--token-only', '--trust', 'root.pem');
    expect(result.code).toBe(1);
    expect(result.out).toContain('TSA_MALFORMED');
  });
});
