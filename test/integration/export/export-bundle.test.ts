import { generateX25519Identity, identityToRecipient } from 'age-encryption';
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { VerifyCode, VerifyReport } from '../../../electron/common/model/verification.ts';
import { runAev, testEnv } from '../../helpers/daemon-process.ts';
import { startOpensslTsa } from '../../helpers/openssl-tsa.ts';
import type { OpensslTsa } from '../../helpers/openssl-tsa.ts';
import { hookPayload, RawClient, terminalOpenFrame } from '../../helpers/raw-client.ts';
import { openIndexFile, until } from '../../helpers/sealing.ts';
import { startTestEngine } from '../../helpers/test-engine.ts';
import { listFiles, makeTempDir } from '../../helpers/temp-dir.ts';

/**
 * Invariants I1, I5 and I6 for exports: a real engine records an agent session and an `aev run`
 * terminal, stamped by a real openssl TSA; `aev export` writes bundles (age-encrypted and plain) that
 * `aev verify BUNDLE`, the reference `age` binary, `tar`, `sha256sum`, `ssh-keygen` and `openssl ts`
 * all accept, and every tampering is named.
 */
describe('evidence bundles', () => {
  const work = makeTempDir('aev-export-');
  let tsa: OpensslTsa;
  let dataRoot: string;
  let env: NodeJS.ProcessEnv;
  let sessionId: string;
  let terminalSessionId: string;
  let trustFile: string;
  let identityFile: string;
  let recipient: string;
  let encrypted: string;
  let plain: string;
  let withheldEventId: string;
  let range: { from: string; to: string };

  beforeAll(async () => {
    tsa = await startOpensslTsa();
    trustFile = path.join(work.dir, 'trust.pem');
    fs.writeFileSync(trustFile, tsa.rootPem);
    const t = await startTestEngine({
      windowMs: 300,
      tsa: { endpoints: [{ url: tsa.url, minSpacingMs: 0 }], trustPem: tsa.rootPem, timeoutMs: 5000 },
    });
    dataRoot = t.dataRoot;
    const term = await RawClient.hello(t.info.socketPath);
    term.send(terminalOpenFrame('o', 't_export'));
    terminalSessionId = ((await term.waitFor((f) => f.id === 'o')) as { value: { sessionId: string } }).value.sessionId;
    const agent = await RawClient.hello(t.info.socketPath);
    let n = 0;
    // Four rounds, each sealed and stamped before the next, so there are several windows and tokens.
    for (let round = 0; round < 4; round++) {
      for (const kind of ['PreToolUse', 'PostToolUse']) {
        const id = `e${n++}`;
        agent.send({
          type: 'event',
          id,
          event: {
            agent: 'claude-code',
            payload: hookPayload('export-agent', kind, {
              tool_name: 'Bash',
              tool_use_id: `tool${round}`,
              tool_input: { command: `echo secret-${round}` },
              ...(kind === 'PostToolUse' ? { tool_response: { stdout: `secret-${round}` } } : {}),
            }),
          },
        });
        const ack = (await agent.waitFor((f) => f.id === id)) as { type: string; sessionId: string };
        expect(ack.type, JSON.stringify(ack)).toBe('ack');
        sessionId = ack.sessionId;
      }
      term.send({
        type: 'terminal.data',
        id: `d${round}`,
        terminalId: 't_export',
        events: [[round + 0.5, 'o', `out ${round}\r\n`]],
      });
      await term.waitFor((f) => f.id === `d${round}`);
      await until(
        () => t.engine.status().sealing.unsealedEvents === 0 && t.engine.status().sealing.tsa.pending === 0,
        15_000,
        'sealed and stamped',
      );
      await new Promise((r) => setTimeout(r, 400));
    }
    term.send({ type: 'terminal.close', id: 'c', terminalId: 't_export', exitCode: 0 });
    await term.waitFor((f) => f.id === 'c');
    agent.close();
    term.close();
    await until(() => t.engine.status().sealing.tsa.pending === 0, 15_000, 'stamped');
    await new Promise((r) => setTimeout(r, 800));
    await until(() => t.engine.status().sealing.tsa.pending === 0, 15_000, 'stamped');
    const db = openIndexFile(dataRoot, true);
    const events = db
      .prepare<[string], { id: string; received_at: string }>(
        'SELECT id, received_at FROM events WHERE session_id = ? ORDER BY seq',
      )
      .all(sessionId);
    db.close();
    withheldEventId = events[2]!.id;
    range = { from: events[0]!.received_at, to: new Date(Date.parse(events.at(-1)!.received_at) + 1).toISOString() };

    const identity = await generateX25519Identity();
    recipient = await identityToRecipient(identity);
    identityFile = path.join(work.dir, 'key.txt');
    fs.writeFileSync(identityFile, `# test identity\n${identity}\n`, { mode: 0o600 });
    env = testEnv(dataRoot);
    encrypted = path.join(work.dir, 'bundle.aevb.tar.age');
    const e = await runAev(
      [
        'export',
        sessionId,
        '--from',
        range.from,
        '--to',
        range.to,
        '--out',
        encrypted,
        '--recipient',
        recipient,
        '--trust',
        trustFile,
      ],
      env,
      undefined,
      60_000,
    );
    expect(e.code, e.stderr).toBe(0);
    // The encrypted export above ran beside the live engine (a WAL reader); the rest reads a stopped one.
    await t.engine.stop();
    plain = path.join(work.dir, 'bundle.aevb.tar');
    const p = await runAev(
      [
        'export',
        sessionId,
        '--from-tool',
        'tool0',
        '--to-tool',
        'tool3',
        '--out',
        plain,
        '--plain',
        '--withhold-event',
        withheldEventId,
        '--trust',
        trustFile,
      ],
      env,
      undefined,
      60_000,
    );
    expect(p.code, p.stderr).toBe(0);
    expect(p.stderr).toMatch(/WARNING: --plain/);
  }, 120_000);

  afterAll(async () => {
    await tsa.close();
    work.cleanup();
  });

  /** `aev verify` exited 0; when not, the message lists every item that did not pass. */
  function expectVerified(r: { code: number | null; report: VerifyReport }): void {
    expect(
      r.code,
      JSON.stringify(
        r.report.items.filter((i) => i.status !== 'pass'),
        null,
        1,
      ),
    ).toBe(0);
  }

  async function verifyCli(
    file: string,
    ...extra: string[]
  ): Promise<{ code: number | null; report: VerifyReport; stdout: string; stderr: string }> {
    const r = await runAev(['verify', file, '--json', ...extra], env, undefined, 60_000);
    let report: VerifyReport = { ok: false, items: [], counts: { pass: 0, fail: 0, pending: 0 } };
    try {
      report = JSON.parse(r.stdout) as VerifyReport;
    } catch {
      // asserted by the caller through `code`
    }
    return { code: r.code, report, stdout: r.stdout, stderr: r.stderr };
  }

  it('writes an age-encrypted bundle that aev verify accepts with the identity', async () => {
    const head = fs.readFileSync(encrypted).subarray(0, 22).toString('latin1');
    expect(head).toBe('age-encryption.org/v1\n');
    // I1: no event payload is readable in the file on disk.
    expect(fs.readFileSync(encrypted).includes('secret-1')).toBe(false);
    const r = await verifyCli(encrypted, '--identity', identityFile);
    expectVerified(r);
    expect(r.report.ok).toBe(true);
    const items = r.report.items.map((i) => i.item).join('\n');
    expect(items).toContain(`session ${sessionId} event 1`);
    expect(items).toContain(`session ${terminalSessionId} media 1`);
    expect(items).toMatch(/token \d+\.1\.tsr/);
  });

  it('refuses an encrypted bundle without the right identity, with a coded reason', async () => {
    const none = await verifyCli(encrypted);
    expect(none.code).toBe(1);
    expect(none.report.items).toEqual([expect.objectContaining({ item: 'archive', code: 'BUNDLE_DECRYPT' })]);
    const other = path.join(work.dir, 'other-key.txt');
    fs.writeFileSync(other, `${await generateX25519Identity()}\n`);
    const wrong = await verifyCli(encrypted, '--identity', other);
    expect(wrong.code).toBe(1);
    expect(wrong.report.items[0]).toMatchObject({ item: 'archive', code: 'BUNDLE_DECRYPT' });
  });

  it('decrypts with the reference age binary and extracts with tar', () => {
    const out = path.join(work.dir, 'age-extract');
    fs.mkdirSync(out);
    const tarBytes = execFileSync('age', ['-d', '-i', identityFile, encrypted]);
    execFileSync('tar', ['xf', '-', '-C', out], { input: tarBytes });
    expect(fs.existsSync(path.join(out, 'manifest.json'))).toBe(true);
    expect(fs.existsSync(path.join(out, `sessions/${terminalSessionId}/media/1.cast.part`))).toBe(true);
    // report.html lists every token with its check (made on the exporter's token thread) and TSA time.
    const report = fs.readFileSync(path.join(out, 'report.html'), 'utf8');
    const tokens = fs.readdirSync(out, { recursive: true }).filter((f) => String(f).endsWith('.tsr')).length;
    expect(tokens).toBeGreaterThan(0);
    expect(report).toContain(`${tokens} of ${tokens} RFC 3161 time-stamp token(s) valid`);
    expect(report.match(/<span class="ok">valid<\/span>/g)?.length).toBe(tokens);
  });

  it('verifies a plain bundle chosen by tool calls and reports the withheld event as withheld', async () => {
    const r = await verifyCli(plain);
    expectVerified(r);
    const withheld = r.report.items.filter((i) => i.code === 'EVENT_WITHHELD');
    expect(withheld).toEqual([expect.objectContaining({ status: 'pass', item: `session ${sessionId} event 3` })]);
    expect(fs.readFileSync(plain).includes(withheldEventId)).toBe(false);
  });

  function extract(file: string, name: string): string {
    const dir = path.join(work.dir, name);
    fs.mkdirSync(dir);
    execFileSync('tar', ['xf', file, '-C', dir]);
    return dir;
  }

  function verifyMdCommands(dir: string): string[] {
    const md = fs.readFileSync(path.join(dir, 'VERIFY.md'), 'utf8');
    const block = /```sh\n([\s\S]*?)```/.exec(md)?.[1] ?? '';
    return block.split('\n').filter((l) => l.trim() !== '');
  }

  function runStock(dir: string, command: string): number | null {
    return spawnSync('sh', ['-c', command], { cwd: dir, stdio: 'pipe' }).status;
  }

  it('passes every stock-tool command in VERIFY.md, and each fails after tampering', () => {
    const dir = extract(plain, 'stock');
    const commands = verifyMdCommands(dir);
    expect(commands.some((c) => c.startsWith('sha256sum -c'))).toBe(true);
    expect(commands.filter((c) => c.startsWith('ssh-keygen -Y verify')).length).toBeGreaterThan(2);
    expect(commands.filter((c) => c.startsWith('openssl ts -verify')).length).toBeGreaterThan(0);
    for (const c of commands) expect(runStock(dir, c), c).toBe(0);

    const recordCmd = commands.find((c) => c.includes(`${sessionId}/records/2.json`) && c.startsWith('ssh-keygen'))!;
    const tokenCmd = commands.find((c) => c.startsWith('openssl ts -verify'))!;
    const record = path.join(dir, `sessions/${sessionId}/records/2.json`);
    const token = path.join(dir, /-in (\S+)/.exec(tokenCmd)![1]!);
    flip(record, 30);
    flip(token, -20);
    expect(runStock(dir, commands[0]!)).not.toBe(0);
    expect(runStock(dir, recordCmd)).not.toBe(0);
    expect(runStock(dir, tokenCmd)).not.toBe(0);
    const manifestCmd = commands.find((c) => c.includes('-s manifest.json.sig'))!;
    flip(path.join(dir, 'manifest.json'), 20);
    expect(runStock(dir, manifestCmd)).not.toBe(0);
  });

  function flip(file: string, at: number): void {
    const b = fs.readFileSync(file);
    const i = at < 0 ? b.length + at : at;
    b[i] = b[i]! ^ 0x01;
    fs.writeFileSync(file, b);
  }

  /** Re-packs an extracted bundle with GNU tar in POSIX ustar format (files only, sorted). */
  function repack(dir: string, name: string): string {
    const out = path.join(work.dir, `${name}.tar`);
    const files = listFiles(dir)
      .map((f) => path.relative(dir, f))
      .sort();
    execFileSync('tar', [
      '--format=ustar',
      '--owner=0',
      '--group=0',
      '--numeric-owner',
      '-cf',
      out,
      '-C',
      dir,
      ...files,
    ]);
    return out;
  }

  let caseNo = 0;
  async function tampered(edit: (dir: string, s: string) => void): Promise<VerifyReport> {
    const name = `tamper-${caseNo++}`;
    const dir = extract(plain, name);
    edit(dir, path.join(dir, 'sessions', sessionId));
    const r = await verifyCli(repack(dir, name));
    expect(r.code).toBe(1);
    return r.report;
  }

  function expectNamed(report: VerifyReport, code: VerifyCode, item: RegExp): void {
    const failures = report.items.filter((i) => i.status === 'fail');
    expect(
      failures.some((f) => f.code === code && item.test(f.item)),
      JSON.stringify(failures, null, 1),
    ).toBe(true);
  }

  it('repacked unchanged by GNU tar, the bundle still verifies', async () => {
    const dir = extract(plain, 'repack-clean');
    const r = await verifyCli(repack(dir, 'repack-clean'));
    expectVerified(r);
  });

  it('names an event with one flipped byte', async () => {
    const report = await tampered((_d, s) => {
      flip(path.join(s, 'events/4.json'), 40);
    });
    expectNamed(report, 'EVENT_DIGEST', new RegExp(`session ${sessionId} event 4$`));
    expectNamed(report, 'SUMS_MISMATCH', /events\/4\.json$/);
  });

  it('names a media file with one flipped byte', async () => {
    const report = await tampered((d) => {
      flip(path.join(d, 'sessions', terminalSessionId, 'media/2.cast.part'), 3);
    });
    expectNamed(report, 'MEDIA_DIGEST', new RegExp(`session ${terminalSessionId} media 2$`));
  });

  it('names a record with one flipped byte', async () => {
    const report = await tampered((_d, s) => {
      flip(path.join(s, 'records/2.json'), 60);
    });
    expectNamed(report, 'RECORD_SIGNATURE', new RegExp(`session ${sessionId} record 2$`));
  });

  it('names a token with one flipped byte', async () => {
    let name = '';
    const report = await tampered((_d, s) => {
      name = fs.readdirSync(path.join(s, 'tokens')).sort()[0]!;
      flip(path.join(s, 'tokens', name), -20);
    });
    expectNamed(report, 'TOKEN_INVALID', new RegExp(`token ${name.replace(/\./g, '\\.')}$`));
  });

  it('names the manifest when one byte changes', async () => {
    const report = await tampered((d) => {
      const f = path.join(d, 'manifest.json');
      fs.writeFileSync(f, fs.readFileSync(f, 'utf8').replace('"v":1', '"v":2'));
    });
    expectNamed(report, 'MANIFEST_SCHEMA', /^manifest$/);
    const r2 = await tampered((d) => {
      const f = path.join(d, 'manifest.json');
      fs.writeFileSync(
        f,
        fs
          .readFileSync(f, 'utf8')
          .replace(/"createdAt":"(\d)/, (_m, d1: string) => `"createdAt":"${(Number(d1) + 1) % 10}`),
      );
    });
    expectNamed(r2, 'MANIFEST_SIGNATURE', /^manifest$/);
  });

  it('names a removed window', async () => {
    const report = await tampered((_d, s) => {
      fs.rmSync(path.join(s, 'records/2.json'));
      fs.rmSync(path.join(s, 'records/2.json.sig'));
    });
    expectNamed(report, 'RECORD_MISSING', new RegExp(`session ${sessionId} record 2$`));
  });

  it('names reordered windows', async () => {
    const report = await tampered((_d, s) => {
      for (const ext of ['json', 'json.sig']) {
        const a = path.join(s, `records/2.${ext}`);
        const b = path.join(s, `records/3.${ext}`);
        const tmp = `${a}.tmp`;
        fs.renameSync(a, tmp);
        fs.renameSync(b, a);
        fs.renameSync(tmp, b);
      }
    });
    expectNamed(report, 'RECORD_SEQ', new RegExp(`session ${sessionId} record 2$`));
    expectNamed(report, 'RECORD_SEQ', new RegExp(`session ${sessionId} record 3$`));
  });

  it('names a window taken from another session', async () => {
    const report = await tampered((d, s) => {
      const other = path.join(d, 'sessions', terminalSessionId, 'records');
      fs.copyFileSync(path.join(other, '2.json'), path.join(s, 'records/2.json'));
      fs.copyFileSync(path.join(other, '2.json.sig'), path.join(s, 'records/2.json.sig'));
    });
    expectNamed(report, 'RECORD_SESSION', new RegExp(`session ${sessionId} record 2$`));
  });

  it('names swapped tokens', async () => {
    let names: string[] = [];
    const report = await tampered((_d, s) => {
      const dir = path.join(s, 'tokens');
      names = fs.readdirSync(dir).sort();
      expect(names.length).toBeGreaterThanOrEqual(2);
      const a = path.join(dir, names[0]!);
      const b = path.join(dir, names[1]!);
      const bytes = fs.readFileSync(a);
      fs.copyFileSync(b, a);
      fs.writeFileSync(b, bytes);
    });
    expectNamed(report, 'TOKEN_IMPRINT', new RegExp(`token ${names[0]!.replace(/\./g, '\\.')}$`));
    expectNamed(report, 'TOKEN_IMPRINT', new RegExp(`token ${names[1]!.replace(/\./g, '\\.')}$`));
  });

  it('refuses to export without a recipient unless --plain, with a usage error', async () => {
    const r = await runAev(
      ['export', sessionId, '--from', range.from, '--to', range.to, '--out', path.join(work.dir, 'x.tar')],
      env,
    );
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--recipient.*\[E_USAGE\]/s);
    expect(fs.existsSync(path.join(work.dir, 'x.tar'))).toBe(false);
    const bad = await runAev(
      [
        'export',
        sessionId,
        '--from',
        range.from,
        '--to',
        range.to,
        '--out',
        path.join(work.dir, 'y.tar'),
        '--recipient',
        'age1nope',
      ],
      env,
    );
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/not an age X25519 recipient.*\[E_USAGE\]/);
  });

  /** A copy of the recorded data root with some tokens deleted, and an export of one agent window of it. */
  async function exportWithout(
    name: string,
    tokenSeqs: number[],
    window: number,
  ): Promise<{
    file: string;
    result: { sessions: { sessionId: string; content: number[]; context: number[] }[] };
    stderr: string;
  }> {
    const copy = path.join(work.dir, name, 'data');
    fs.cpSync(dataRoot, copy, { recursive: true });
    const db = openIndexFile(copy);
    for (const seq of tokenSeqs)
      db.prepare('DELETE FROM tsa_tokens WHERE session_id = ? AND seq = ?').run(sessionId, seq);
    const w = db
      .prepare<[string, number], { record: Buffer }>(
        'SELECT record FROM chain_records WHERE session_id = ? AND seq = ?',
      )
      .get(sessionId, window)!;
    db.close();
    const body = JSON.parse(w.record.toString()) as { from: string; to: string };
    const file = path.join(work.dir, name, 'bundle.tar');
    const r = await runAev(
      [
        'export',
        sessionId,
        '--from',
        body.from,
        '--to',
        body.to,
        '--out',
        file,
        '--plain',
        '--trust',
        trustFile,
        '--json',
      ],
      testEnv(copy),
      undefined,
      60_000,
    );
    expect(r.code, r.stderr).toBe(0);
    return {
      file,
      result: JSON.parse(r.stdout) as { sessions: { sessionId: string; content: number[]; context: number[] }[] },
      stderr: r.stderr,
    };
  }

  it('adds context records up to the first stamped one, and the terminal header window', async () => {
    const { file, result } = await exportWithout('context', [2, 3], 2);
    const agentPart = result.sessions.find((x) => x.sessionId === sessionId)!;
    expect(agentPart.content).toEqual([2]);
    expect(agentPart.context).toEqual([3, 4]);
    const terminalPart = result.sessions.find((x) => x.sessionId === terminalSessionId)!;
    expect(terminalPart.content[0]).toBe(1); // the window sealing the asciicast header
    const r = await verifyCli(file);
    expectVerified(r);
  });

  it('warns when a content window has no time-stamp yet, and verify fails it as uncovered', async () => {
    // Every token from record 3 on, however many records the engine's stop added.
    const { file, stderr } = await exportWithout('uncovered', [3, 4, 5, 6, 7, 8], 3);
    expect(stderr).toMatch(/record 3 is not yet covered by a time-stamp/);
    const r = await verifyCli(file);
    expect(r.code).toBe(1);
    expectNamed(r.report, 'TOKEN_UNCOVERED', new RegExp(`session ${sessionId} records 3$`));
  });

  it('gives a coded error for a hostile archive through the CLI', async () => {
    const file = path.join(work.dir, 'hostile.tar');
    const dir = path.join(work.dir, 'hostile');
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, 'target'), 'x');
    fs.symlinkSync('/etc/passwd', path.join(dir, 'manifest.json'));
    execFileSync('tar', ['--format=ustar', '-cf', file, '-C', dir, 'target', 'manifest.json']);
    const r = await verifyCli(file);
    expect(r.code).toBe(1);
    expect(r.report.items).toEqual([expect.objectContaining({ item: 'archive', code: 'ARCHIVE_LINK' })]);
  });
});
