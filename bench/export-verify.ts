// Export and verify time for a one-hour recording (issue #5): targets export >= 200 MB/s excluding the
// remux, verify >= 50% of `sha256sum` on the same bundle and machine. The recording is made through the
// engine's own paths (bench/hour-recording.ts); export and verify are the library calls `aev export` and
// `aev verify BUNDLE` make, each timed in a fresh process of its own as those commands run
// (export-verify-child.ts; the call itself, and the whole process beside it in the note). The remux is measured as the difference between an export without ffmpeg (no
// clip.mp4) and one with it. `node bench/export-verify.ts [--minutes N]` (default 60).
import BetterSqlite3 from 'better-sqlite3';
import { execFile, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs, promisify } from 'node:util';
import { generateIdentity } from '../electron/engine/age/age-keys.ts';
import { runtimePaths } from '../electron/engine/runtime/data-root.ts';
import { tokenChecker } from '../electron/engine/verify/token-check.ts';
import type { BenchRow } from './bench-table.ts';
import { runStandalone } from './bench-table.ts';
import { startBenchTsa } from './bench-tsa.ts';
import type { ChildJob, ChildResult } from './export-verify-child.ts';
import { BENCH_PASSPHRASE, recordHour } from './hour-recording.ts';

const MB = 1e6;
/** Exports without the clip, each in a fresh process; the figure is the median run's. */
const EXPORT_RUNS = 3;
const execFileAsync = promisify(execFile);

function seconds(t0: number): number {
  return (performance.now() - t0) / 1000;
}

/**
 * Seconds per RFC 3161 check of the recording's tokens, the check both the exporter (report.html) and the
 * verifier run once per token: a fixed cost per window that no byte-rate optimisation touches.
 */
function tokenCheckSeconds(dataRoot: string, trustPem: string): { readonly tokens: number; readonly s: number } {
  const db = new BetterSqlite3(runtimePaths(dataRoot).indexPath, { readonly: true });
  const rows = db
    .prepare<[], { response: Buffer; record: Buffer }>(
      'SELECT t.response, c.record FROM tsa_tokens t JOIN chain_records c ON c.session_id = t.session_id AND c.seq = t.seq',
    )
    .all();
  db.close();
  const check = tokenChecker(trustPem);
  const t0 = performance.now();
  for (const r of rows)
    if (!check(r.response, createHash('sha256').update(r.record).digest()).valid) throw new Error('a token is invalid');
  return { tokens: rows.length, s: seconds(t0) };
}

function log(message: string): void {
  process.stderr.write(`export-verify: ${message}\n`);
}

const CHILD = fileURLToPath(new URL('./export-verify-child.ts', import.meta.url));

/** A child's CPU seconds: in all, in the kernel, and by thread. */
function cpuNote(r: ChildResult): string {
  const threads = Object.entries(r.threads)
    .map(([name, cpu]) => `${name} ${cpu.toFixed(2)}`)
    .join(', ');
  return `${r.cpu.toFixed(2)} CPU s (${r.systemCpu.toFixed(2)} in the kernel; ${threads})`;
}

/** Runs one export or verification in a fresh process (export-verify-child.ts); its figures and wall time. */
async function inChild(job: ChildJob): Promise<ChildResult & { readonly processS: number }> {
  const t0 = performance.now();
  const { stdout } = await execFileAsync(process.execPath, [CHILD, JSON.stringify(job)], {
    maxBuffer: 16 * 1024 * 1024,
  });
  const processS = seconds(t0);
  const line = stdout.trim().split('\n').at(-1) ?? '';
  return { ...(JSON.parse(line) as ChildResult), processS };
}

/**
 * Seconds to write `bytes` into a new file with dd, twice: first into memory the kernel has not used for a
 * while, then (the file deleted and written again) into the pages it just freed. In this VM the first costs
 * ~10× the second (pages the guest had freed long ago are handed back by the host on first touch, all of it
 * system time), and every export writes its bundle's bytes, so the pair says what the machine adds.
 */
function fileWriteSeconds(
  dir: string,
  bytes: number,
): { readonly bytes: number; readonly fresh: number; readonly recycled: number } {
  const file = path.join(dir, 'dd-baseline');
  const mib = Math.ceil(bytes / 2 ** 20);
  const write = () => {
    const t0 = performance.now();
    const r = spawnSync('dd', ['if=/dev/zero', `of=${file}`, 'bs=1M', `count=${String(mib)}`], { stdio: 'ignore' });
    if (r.status !== 0) throw new Error('dd failed');
    return seconds(t0);
  };
  try {
    const fresh = write();
    fs.rmSync(file);
    return { bytes: mib * 2 ** 20, fresh, recycled: write() };
  } finally {
    fs.rmSync(file, { force: true });
  }
}

export async function run(minutes = 60): Promise<BenchRow[]> {
  if (!fs.existsSync(fileURLToPath(new URL('../dist/electron/engine/export/export-bundle.js', import.meta.url))))
    throw new Error('run `npm run build` first: export and verify run from the compiled build');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aev-bench-export-'));
  const tsa = await startBenchTsa(path.join(dir, 'tsa'));
  try {
    // Before anything else frees memory: about the size of the bundle (~13.4 MB per recorded minute).
    const dd = fileWriteSeconds(dir, minutes * 13.4 * MB);
    let t0 = performance.now();
    const rec = await recordHour(dir, tsa, minutes);
    const made = Object.entries(rec.stored)
      .map(([kind, s]) => `${kind} ${s.items} × ${(s.bytes / s.items / 1024).toFixed(0)} KiB`)
      .join(', ');
    log(`recorded ${minutes} min in ${seconds(t0).toFixed(0)} s: ${made}`);
    // The recording's ~1.2 GB were just written: let the kernel finish writing them back first, as it has
    // long done when someone exports a recorded session, so the export does not share the disk and a core
    // with that writeback.
    spawnSync('sync');
    const key = generateIdentity();
    const identityFile = path.join(dir, 'key.txt');
    fs.writeFileSync(identityFile, `${key.identity}\n`, { mode: 0o600 });
    const exportTo = async (name: string, noFfmpeg: boolean) => {
      const file = path.join(dir, name);
      const r = await inChild({
        kind: 'export',
        noFfmpeg,
        options: {
          dataRoot: rec.dataRoot,
          keyring: null,
          passphrase: BENCH_PASSPHRASE,
          sessionId: rec.agentSessionId,
          range: { kind: 'time', from: rec.range.from, to: rec.range.to },
          out: file,
          recipients: [key.recipient],
          plain: false,
          withhold: [],
          trustPem: tsa.rootPem,
        },
      });
      if (r.kind !== 'export') throw new Error('the export child answered for something else');
      return { file, ...r };
    };
    // Three exports, each in a fresh process: on this kind of shared VM one run moves by ±15%, so the
    // figure is the median run's, with all three in the note. Each bundle is deleted once measured (the last
    // one is kept for the verification below), so the next export writes into the pages it freed, as on a
    // machine that has been up a while; the first writes into memory this VM has not used lately (what that
    // costs the machine is the dd pair in the note).
    const bares = [];
    for (let i = 0; i < EXPORT_RUNS; i++) {
      const b = await exportTo(`bare-${String(i)}.aevb`, true);
      if (b.clipNote === null) throw new Error('the export without ffmpeg still made a clip');
      const bytes = fs.statSync(b.file).size;
      bares.push({ ...b, bytes, rate: bytes / MB / b.s });
      log(`export ${String(i + 1)}: ${(bytes / MB / b.s).toFixed(0)} MB/s, ${cpuNote(b)}`);
      if (i < EXPORT_RUNS - 1) fs.rmSync(b.file);
    }
    const bare = [...bares].sort((a, b) => a.s - b.s)[Math.floor(EXPORT_RUNS / 2)];
    const lastBare = bares.at(-1);
    if (bare === undefined || lastBare === undefined) throw new Error('no export ran');
    const full = await exportTo('full.aevb', false);
    if (full.clipNote !== null) throw new Error(`the export made no clip: ${full.clipNote}`);
    const bareBytes = bare.bytes;
    const fullBytes = fs.statSync(full.file).size;
    const exportRate = bareBytes / MB / bare.s;
    const remuxS = full.s - bare.s;
    log(
      `export ${(bareBytes / MB).toFixed(0)} MB in ${bare.s.toFixed(2)} s; with clip.mp4 ${(fullBytes / MB).toFixed(0)} MB in ${full.s.toFixed(2)} s`,
    );

    t0 = performance.now();
    // GNU time's %U+%S: sha256sum's own CPU seconds, to compare with ours when the machine is shared.
    const sum = spawnSync('/usr/bin/time', ['-f', '%U %S', 'sha256sum', full.file], { encoding: 'utf8' });
    const shaS = seconds(t0);
    if (sum.status !== 0) throw new Error(`sha256sum failed: ${sum.stderr}`);
    const shaRate = fullBytes / MB / shaS;
    const shaCpu = (sum.stderr.trim().split('\n').at(-1) ?? '').split(' ').reduce((n, x) => n + Number(x), 0);
    const verify = await inChild({ kind: 'verify', file: full.file, identityFile });
    if (verify.kind !== 'verify') throw new Error('the verify child answered for something else');
    log(`verify: ${(fullBytes / MB / verify.s).toFixed(0)} MB/s, ${cpuNote(verify)}`);
    if (!verify.ok || verify.failed.length > 0)
      throw new Error(`the bundle did not verify: ${JSON.stringify(verify.failed)}`);
    const verifyRate = fullBytes / MB / verify.s;
    const bareVerify = await inChild({ kind: 'verify', file: lastBare.file, identityFile });
    if (bareVerify.kind !== 'verify' || !bareVerify.ok) throw new Error('the bundle without clip did not verify');

    const tokenChecks = tokenCheckSeconds(rec.dataRoot, tsa.rootPem);
    const perToken = (tokenChecks.s / tokenChecks.tokens) * 1000;
    const hour = `${minutes} min`;
    return [
      {
        name: `export excl. remux (${hour}, age)`,
        figure: exportRate,
        unit: 'MB/s',
        target: '>= 200 MB/s',
        met: exportRate >= 200,
        baseline: `sha256sum ${shaRate.toFixed(0)} MB/s`,
        note:
          `median of ${EXPORT_RUNS} runs (${bares.map((b) => b.rate.toFixed(0)).join(', ')} MB/s; the first into ` +
          `memory this VM had not used lately, where dd writes ${(dd.bytes / MB).toFixed(0)} MB to a new file in ` +
          `${dd.fresh.toFixed(2)} s against ${dd.recycled.toFixed(2)} s into just-freed pages): ` +
          `${(bareBytes / MB).toFixed(0)} MB bundle in ${bare.s.toFixed(2)} s, ${bare.cpu.toFixed(2)} CPU s ` +
          `(${(bareBytes / MB / bare.cpu).toFixed(0)} MB per CPU s: vault unlock, selection, decrypt, ` +
          `check, archive, encrypt, fsync), ${bare.engineCpu.toFixed(2)} of them on the engine thread ` +
          `(the rest: vault reads on the reader thread, age encryption and writes on the writer thread, GC ` +
          `and I/O threads); load ` +
          `${bare.load.toFixed(1)} at its start; ${made}; ${bare.records} records, ${bare.tokens} tokens, ${bare.files} files; in a fresh process (as aev export runs), ${bare.processS.toFixed(2)} s with its start`,
      },
      {
        name: `export remux step (${hour})`,
        figure: remuxS,
        unit: 's',
        target: '— (reported)',
        met: true,
        baseline: `clip.mp4 ${((fullBytes - bareBytes) / MB).toFixed(0)} MB`,
        note: `ffmpeg stream copy of the video to clip.mp4 plus archiving it: export with clip ${full.s.toFixed(2)} s`,
      },
      {
        name: `verify (${hour}, with clip.mp4)`,
        figure: verifyRate,
        unit: 'MB/s',
        target: '>= 50% of sha256sum',
        met: verifyRate >= 0.5 * shaRate,
        baseline: `sha256sum ${shaRate.toFixed(0)} MB/s (${(fullBytes / MB / shaCpu).toFixed(0)} MB per CPU s)`,
        baselineFigure: shaRate,
        note:
          `${(fullBytes / MB).toFixed(0)} MB in ${verify.s.toFixed(2)} s at load ${verify.load.toFixed(1)}, ` +
          `${verify.cpu.toFixed(2)} CPU s in its process = ${(fullBytes / MB / verify.cpu).toFixed(0)} MB per ` +
          `CPU s, ${verify.engineCpu.toFixed(2)} of them on the engine thread (the rest: age decryption on ` +
          `its worker thread, GC and I/O threads), plus ${verify.childrenCpu.toFixed(2)} CPU s in ffmpeg ` +
          `(only for a clip layout the built-in packet reader does not handle); ${verify.items} items, ` +
          `peak RSS ${verify.maxRssMiB.toFixed(0)} MiB; in a fresh process, ${verify.processS.toFixed(2)} s ` +
          `with its start; without clip.mp4: ${(bareBytes / MB / bareVerify.s).toFixed(0)} MB/s`,
      },
      {
        name: 'RFC 3161 token check (each)',
        figure: perToken,
        unit: 'ms',
        target: '— (reported)',
        met: true,
        baseline: `${tokenChecks.tokens} tokens: ${tokenChecks.s.toFixed(1)} s`,
        note:
          'one token per sealed window and session, checked once by the exporter (report.html) and once by ' +
          'the verifier: that many seconds of each figure above',
      },
    ];
  } finally {
    await tsa.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const { values } = parseArgs({ options: { minutes: { type: 'string' } }, strict: false });
await runStandalone('export-verify', import.meta.url, () => run(Number(values.minutes ?? 60)));
