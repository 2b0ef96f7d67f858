import { spawn } from '@lydell/node-pty';
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { VerifyReport } from '../../../electron/common/model/verification.ts';
import type { AccessLogListing } from '../../../electron/engine/access/access-reader.ts';
import { createRequest } from '../../../electron/engine/requests/create-request.ts';
import { generateDeviceKey, publicKeyOpenSsh } from '../../../electron/engine/seal/device-key.ts';
import { AEV_BIN, TEST_PASSPHRASE, runAev, startDaemon, testEnv } from '../../helpers/daemon-process.ts';
import type { DaemonProcess } from '../../helpers/daemon-process.ts';
import { startOpensslTsa } from '../../helpers/openssl-tsa.ts';
import type { OpensslTsa } from '../../helpers/openssl-tsa.ts';
import { sendEvents, until } from '../../helpers/sealing.ts';
import { untilSealedAndStamped } from '../access/quiet-index.ts';
import { makeTempDir } from '../../helpers/temp-dir.ts';

/**
 * Clip requests end to end, on two data roots as on two machines: a lead signs a request with their
 * device key (`aev request create`), a developer reviews it against their own vault (`aev request
 * review`) and approves it (a bundle encrypted to the lead's age key, which the reference `age` binary
 * opens and `aev verify BUNDLE` accepts) or denies it; a request is hostile input and is decided once.
 */
describe('clip requests', () => {
  const work = makeTempDir('aev-requests-');
  const leadRoot = path.join(work.dir, 'lead');
  const devRoot = path.join(work.dir, 'dev');
  let tsa: OpensslTsa;
  let dev: DaemonProcess | undefined;
  let trustFile: string;
  let leadEnv: NodeJS.ProcessEnv;
  let devEnv: NodeJS.ProcessEnv;
  let sessionId: string;
  let leadKey: string;
  let recipient: string;
  let allowedSigners: string;
  let n = 0;

  beforeAll(async () => {
    tsa = await startOpensslTsa();
    trustFile = path.join(work.dir, 'tsa-root.pem');
    fs.writeFileSync(trustFile, tsa.rootPem);
    // The lead runs aev too: its first engine start makes the device key that signs requests.
    await (await startDaemon(leadRoot)).stop();
    leadEnv = testEnv(leadRoot);
    const tsaEnv = { AEV_TSA_URLS: tsa.url, AEV_TSA_TRUST: trustFile, AEV_WINDOW_MS: '300' };
    devEnv = testEnv(devRoot, tsaEnv);
    dev = await startDaemon(devRoot, tsaEnv);
    const acks = await sendEvents(dev.paths.socketPath, 'requested-work', 6);
    sessionId = acks[0]?.sessionId ?? '';
    await untilSealedAndStamped(devRoot);
    leadKey = path.join(work.dir, 'lead-age.txt');
    execFileSync('age-keygen', ['-o', leadKey], { stdio: 'ignore' });
    recipient = execFileSync('age-keygen', ['-y', leadKey], { encoding: 'utf8' }).trim();
    const first = await create({ json: true });
    allowedSigners = path.join(work.dir, 'allowed_signers');
    fs.writeFileSync(allowedSigners, `${(JSON.parse(first.stdout) as { allowedSigners: string }).allowedSigners}\n`);
  }, 120_000);

  afterAll(async () => {
    try {
      await dev?.stop();
    } finally {
      await tsa.close();
      work.cleanup();
    }
  });

  /** `aev request create` on the lead's machine; the request lands in req-<n>.json. */
  async function create(
    o: { json?: boolean; session?: string; range?: string[] } = {},
  ): Promise<{ code: number | null; stdout: string; stderr: string; file: string }> {
    const file = path.join(work.dir, `req-${String(++n)}.json`);
    const r = await runAev(
      [
        'request',
        'create',
        '--session',
        o.session ?? sessionId,
        ...(o.range ?? ['--from-tool', 't0', '--to-tool', 't2']),
        '--reason',
        'SOC 2 change review: what did the agent run before the deploy?',
        '--recipient',
        recipient,
        '--out',
        file,
        ...(o.json === true ? ['--json'] : []),
      ],
      leadEnv,
    );
    expect(r.code, r.stderr).toBe(0);
    return { ...r, file };
  }

  function review(file: string, ...args: string[]): ReturnType<typeof runAev> {
    return runAev(['request', 'review', file, ...args], devEnv, undefined, 60_000);
  }

  async function accessLog(): Promise<AccessLogListing> {
    const r = await runAev(['access-log', '--json'], devEnv);
    expect(r.code, r.stderr).toBe(0);
    return JSON.parse(r.stdout) as AccessLogListing;
  }

  it('signs the request so that stock ssh-keygen verifies it, as docs/requests-and-access-log.md says', async () => {
    const { file } = await create();
    const body = path.join(work.dir, 'body.json');
    const sig = path.join(work.dir, 'request.sig');
    fs.writeFileSync(body, execFileSync('jq', ['-cSj', '.request', file]));
    fs.writeFileSync(sig, execFileSync('jq', ['-r', '.signature', file]));
    const verify = (input: Buffer): ReturnType<typeof spawnSync> =>
      spawnSync(
        'ssh-keygen',
        ['-Y', 'verify', '-f', allowedSigners, '-I', 'aev-requester', '-n', 'agent-evidence-request', '-s', sig],
        { input },
      );
    const good = verify(fs.readFileSync(body));
    expect(good.status, good.stderr.toString()).toBe(0);
    expect(good.stdout.toString()).toMatch(/Good "agent-evidence-request" signature for aev-requester/);
    const altered = Buffer.from(fs.readFileSync(body, 'utf8').replace('"toTool":"t2"', '"toTool":"t1"'));
    expect(verify(altered).status).not.toBe(0);
  });

  it('approves: the bundle, next to the request, opens with the lead’s age key and verifies', async () => {
    const { file } = await create();
    const r = await review(file, '--approve', '--trust-requester', allowedSigners);
    expect(r.code, r.stderr).toBe(0);
    const bundle = file.replace(/\.json$/, '.aevb.tar.age');
    expect(r.stdout.trim().split('\n').at(-1)).toBe(bundle);
    expect(r.stdout).toMatch(/trusted as "aev-requester"/);
    expect(fs.readFileSync(bundle).subarray(0, 22).toString('latin1')).toBe('age-encryption.org/v1\n');
    // The reference age implementation opens it with the lead's identity, and it is an evidence bundle.
    const tar = spawnSync('age', ['-d', '-i', leadKey, bundle]);
    expect(tar.status, tar.stderr.toString()).toBe(0);
    const names = spawnSync('tar', ['-t'], { input: tar.stdout }).stdout.toString();
    expect(names).toMatch(/manifest\.json/);
    const v = await runAev(
      ['verify', bundle, '--identity', leadKey, '--trust', trustFile, '--json'],
      devEnv,
      undefined,
      60_000,
    );
    const report = JSON.parse(v.stdout) as VerifyReport;
    expect(v.code, JSON.stringify(report.items.filter((i) => i.status !== 'pass'))).toBe(0);
    // Another age identity cannot open it.
    const stranger = path.join(work.dir, 'stranger.txt');
    execFileSync('age-keygen', ['-o', stranger], { stdio: 'ignore' });
    expect(spawnSync('age', ['-d', '-i', stranger, bundle]).status).not.toBe(0);

    const log = await accessLog();
    const nonce = (JSON.parse(fs.readFileSync(file, 'utf8')) as { request: { nonce: string } }).request.nonce;
    const decision = log.entries.find((e) => e.entry?.kind === 'request-decision' && e.entry.nonce === nonce);
    expect(decision?.entry).toMatchObject({
      decision: 'approved',
      trustedAs: 'aev-requester',
      sessionId,
      denyReason: null,
    });
    const exported = log.entries.find((e) => e.entry?.kind === 'export' && e.entry.request === nonce);
    const sha = execFileSync('sha256sum', [bundle], { encoding: 'utf8' }).split(' ')[0];
    expect(exported?.entry).toMatchObject({ sessionId, bundleSha256: sha, withheld: 0 });

    // Decided once: a second approval or a denial of the same request is refused, and writes nothing.
    const again = await review(file, '--approve', '--out', path.join(work.dir, 'second.aevb.tar.age'));
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/already approved .* \[E_REQUEST_REPLAYED\]/);
    expect(fs.existsSync(path.join(work.dir, 'second.aevb.tar.age'))).toBe(false);
    const deny = await review(file, '--deny', '--reason', 'changed my mind');
    expect(deny.stderr).toMatch(/E_REQUEST_REPLAYED/);
    expect((await accessLog()).total).toBe(log.total);
  }, 120_000);

  it('denies: nothing is written but the decision, with its reason, on the access log', async () => {
    const { file } = await create();
    const before = (await accessLog()).total;
    const r = await review(file, '--deny', '--reason', 'outside the audit scope');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/denied; on the access log as entry \d+/);
    expect(fs.existsSync(file.replace(/\.json$/, '.aevb.tar.age'))).toBe(false);
    const log = await accessLog();
    expect(log.total).toBe(before + 1);
    expect(log.entries[0]?.entry).toMatchObject({
      kind: 'request-decision',
      decision: 'denied',
      denyReason: 'outside the audit scope',
      trustedAs: null,
    });
    expect((await review(file, '--approve')).stderr).toMatch(/already denied .*E_REQUEST_REPLAYED/);
  }, 60_000);

  it('refuses a request with a flipped byte in its signature, range or recipient, and writes nothing', async () => {
    const { file } = await create();
    const text = fs.readFileSync(file, 'utf8');
    const doc = JSON.parse(text) as { request: { range: { toTool: string }; recipient: string }; signature: string };
    const otherKey = path.join(work.dir, 'other-age.txt');
    execFileSync('age-keygen', ['-o', otherKey], { stdio: 'ignore' });
    const sigAt = text.indexOf('BEGIN SSH SIGNATURE-----') + 120;
    const variants: [string, string, RegExp][] = [
      [
        'signature',
        `${text.slice(0, sigAt)}${text[sigAt] === 'x' ? 'y' : 'x'}${text.slice(sigAt + 1)}`,
        /E_REQUEST_SIGNATURE/,
      ],
      ['range', text.replace('"toTool": "t2"', '"toTool": "t1"'), /E_REQUEST_SIGNATURE/],
      [
        'recipient',
        text.replace(doc.request.recipient, execFileSync('age-keygen', ['-y', otherKey], { encoding: 'utf8' }).trim()),
        /E_REQUEST_SIGNATURE/,
      ],
      [
        'recipient checksum',
        text.replace(doc.request.recipient, flipLast(doc.request.recipient)),
        /E_REQUEST_(INVALID|SIGNATURE)/,
      ],
      ['JSON', text.replace('{', '['), /E_REQUEST_INVALID/],
    ];
    const before = (await accessLog()).total;
    for (const [what, altered, code] of variants) {
      expect(altered, what).not.toBe(text);
      const f = path.join(work.dir, `altered-${what.replace(' ', '-')}.json`);
      fs.writeFileSync(f, altered);
      const r = await review(f, '--approve');
      expect(r.code, `${what}: ${r.stderr}`).toBe(1);
      expect(r.stderr, what).toMatch(code);
      expect(r.stderr, what).not.toMatch(/\n\s+at /);
      expect(fs.existsSync(f.replace(/\.json$/, '.aevb.tar.age')), what).toBe(false);
    }
    expect((await accessLog()).total).toBe(before);
  }, 90_000);

  it('refuses an expired request', async () => {
    const file = path.join(work.dir, 'expired.json');
    await createRequest({
      dataRoot: leadRoot,
      keyring: null,
      passphrase: TEST_PASSPHRASE,
      sessionId,
      range: { kind: 'tool', fromTool: 't0', toTool: 't1' },
      reason: 'made last week',
      recipient,
      out: file,
      ttlMs: 24 * 3600_000,
      now: () => Date.now() - 8 * 24 * 3600_000,
    });
    const r = await review(file, '--approve');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/expired on .* \[E_REQUEST_EXPIRED\]/);
  });

  it('refuses oversized and garbage files with a coded one-line error', async () => {
    const big = path.join(work.dir, 'big.json');
    fs.writeFileSync(big, `{"request":"${'x'.repeat(200_000)}"}`);
    const noise = path.join(work.dir, 'noise.json');
    fs.writeFileSync(noise, randomBytes(4096));
    for (const f of [big, noise]) {
      const r = await review(f, '--approve');
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/^aev: .* \[E_REQUEST_INVALID\]\n$/);
    }
  });

  it('refuses a request for a session this vault does not hold', async () => {
    const { file } = await create({ session: 's_01NOSUCHSESSION0000000000' });
    const r = await review(file, '--approve');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/does not hold .*\[E_NOT_FOUND\]/);
  });

  it('will not approve for a requester the allowed-signers file does not trust, and leaves it undecided', async () => {
    const { file } = await create();
    const untrusted = path.join(work.dir, 'other_signers');
    const someoneElse = generateDeviceKey().publicKeyRaw;
    fs.writeFileSync(untrusted, `someone namespaces="agent-evidence-request" ${publicKeyOpenSsh(someoneElse, '')}\n`);
    const before = (await accessLog()).total;
    const r = await review(file, '--approve', '--trust-requester', untrusted);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/NOT trusted/);
    expect(r.stderr).toMatch(/E_REQUEST_UNTRUSTED/);
    expect(fs.existsSync(file.replace(/\.json$/, '.aevb.tar.age'))).toBe(false);
    expect((await accessLog()).total).toBe(before);
    // Still undecided: a denial goes through.
    expect((await review(file, '--deny', '--reason', 'unknown requester', '--trust-requester', untrusted)).code).toBe(
      0,
    );
  }, 60_000);

  it('without a terminal shows the request resolved to windows, and refuses to decide', async () => {
    const { file } = await create();
    const r = await review(file);
    expect(r.code).toBe(2);
    expect(r.stdout).toContain(sessionId);
    expect(r.stdout).toMatch(/requester +SHA256:/);
    expect(r.stdout).toMatch(/asked for +tool calls t0 → t2/);
    expect(r.stdout).toMatch(/windows +s_\S+ \(agent\): records? \d/);
    expect(r.stdout).toMatch(/reason +SOC 2 change review/);
    expect(r.stderr).toMatch(/not a terminal.*\[E_USAGE\]/);
  });

  it('at a terminal, asks, and takes a denial with its reason', async () => {
    const { file } = await create();
    const pty = spawn(process.execPath, [AEV_BIN, 'request', 'review', file], {
      cols: 160,
      rows: 40,
      env: devEnv,
    });
    let out = '';
    pty.onData((d) => (out += d));
    const exited = new Promise<number>((resolve) =>
      pty.onExit((e) => {
        resolve(e.exitCode);
      }),
    );
    try {
      await until(() => out.includes('Approve (a), deny (d)'), 30_000, 'the question');
      expect(out).toContain('reason      SOC 2 change review');
      pty.write('d\r');
      await until(() => out.includes('Why is it denied'), 10_000, 'the reason prompt');
      pty.write('not this quarter\r');
      expect(await exited).toBe(0);
    } finally {
      pty.kill();
    }
    expect((await accessLog()).entries[0]?.entry).toMatchObject({ decision: 'denied', denyReason: 'not this quarter' });
  }, 60_000);
});

function flipLast(s: string): string {
  return `${s.slice(0, -1)}${s.endsWith('q') ? 'p' : 'q'}`;
}
