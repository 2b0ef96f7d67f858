// Issue 7 "Hostile input", shortened: the fuzz driver of bench/fuzz-endpoint.ts (modules in
// bench/fuzz/) with 5,000 frames and a fixed seed, against a daemon run from the sources. It runs as
// a child process because test/ and bench/ are separate TypeScript projects; the program writes its
// full report as JSON and this test asserts on that, property by property.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../helpers/daemon-process.ts';
import { makeTempDir } from '../../helpers/temp-dir.ts';

/** The part of bench/fuzz/fuzz-run.ts FuzzReport this test reads. */
interface Report {
  readonly framesSent: number;
  readonly mode: string;
  readonly frames: Readonly<Record<string, number>>;
  readonly mutations: Readonly<Record<string, number>>;
  readonly errorCodes: Readonly<Record<string, number>>;
  readonly httpStatus: Readonly<Record<string, number>>;
  readonly anomalyCount: number;
  readonly steady: {
    readonly socket: { readonly sent: number; readonly acked: number } | null;
    readonly http: { readonly sent: number; readonly acked: number } | null;
  };
  readonly checks: readonly { readonly name: string; readonly ok: boolean; readonly detail: string }[];
  readonly ok: boolean;
}

function runFuzzer(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [path.join(REPO_ROOT, 'bench', 'fuzz-endpoint.ts'), ...args], {
      cwd: REPO_ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 100_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

describe('hostile input at the local endpoint (issue 7), 5,000 frames', () => {
  const tmp = makeTempDir('aev-fuzz-test-');
  afterAll(() => {
    tmp.cleanup();
  });

  it('stays up, answers every hostile frame, loses none of a well-behaved client’s events and still verifies', async () => {
    const json = path.join(tmp.dir, 'report.json');
    const run = await runFuzzer([
      '--frames',
      '5000',
      '--seed',
      '7',
      '--from-source',
      '--slow-ms',
      '2000',
      '--settle-ms',
      '15000',
      '--json',
      json,
    ]);
    const summary = `${run.stdout}\n${run.stderr.slice(-2000)}`;
    expect(fs.existsSync(json), summary).toBe(true);
    const report = JSON.parse(fs.readFileSync(json, 'utf8')) as Report;

    // What was driven: the whole mix, at both endpoints.
    expect(report.mode).toBe('source');
    expect(report.framesSent, summary).toBeGreaterThanOrEqual(5000);
    for (const category of ['mutated-event', 'raw-garbage', 'hello-variant', 'terminal', 'http-mutated', 'http-auth'])
      expect(report.frames[category] ?? 0, category).toBeGreaterThan(0);
    expect(Object.keys(report.mutations).length, 'mutation kinds applied').toBeGreaterThanOrEqual(14);
    expect(report.errorCodes.E_BAD_JSON ?? 0).toBeGreaterThan(0);
    expect(report.errorCodes.E_SCHEMA ?? 0).toBeGreaterThan(0);
    expect(report.httpStatus['HTTP 401'] ?? 0).toBeGreaterThan(0);

    // What must hold: each check by name, so a failure says which promise broke.
    const failed = report.checks.filter((c) => !c.ok).map((c) => `${c.name}: ${c.detail}`);
    expect(failed, summary).toEqual([]);
    expect(report.checks.map((c) => c.name)).toEqual(
      expect.arrayContaining([
        'daemon still up',
        'well-behaved socket client: every event acknowledged',
        'index (SQLite, after stop): every socket ack present',
        'aev verify --all --allow-pending',
      ]),
    );
    expect(report.steady.socket?.acked).toBe(report.steady.socket?.sent);
    expect(report.steady.socket?.acked ?? 0).toBeGreaterThan(100);
    expect(report.steady.http?.acked).toBe(report.steady.http?.sent);
    expect(report.anomalyCount).toBe(0);
    expect(report.ok).toBe(true);
    expect(run.code, summary).toBe(0);
  }, 120_000);
});
