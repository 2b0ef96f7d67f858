// A synthetic but realistic recorded hour in a fresh data root, made through the engine's own paths
// (vault, index, media store, terminal ingest, event writer, window sealer, TSA queue over HTTP), on a
// simulated clock so an hour takes a minute or two:
//  - screen: real H.264 fMP4 from ffmpeg with the capture's encoder settings (1080p, 5 fps, CRF 30, IDR
//    every 10 s window, 1 s fragments) of a busy test pattern; one encoded minute is looped (stream copy,
//    so timestamps run on) and split by the capture's own fMP4 splitter into init + fragments;
//  - agent: a tool call every 10 s (PreToolUse + PostToolUse events) with a full-resolution PNG still
//    at each (a frame of the video, ~330 KB);
//  - terminal: one `aev run` output frame per second (~2 KB of scrolling text);
//  - every 10 s window sealed and time-stamped by a loopback openssl TSA, as with a reachable TSA.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Fmp4Splitter } from '../native/ffmpeg/fmp4-splitter.ts';
import type { Fmp4Fragment, Fmp4Init } from '../native/ffmpeg/fmp4-splitter.ts';
import { eventFrameSchema } from '../electron/common/protocol/frames.ts';
import { CaptureSessions } from '../electron/engine/capture/capture-sessions.ts';
import { MediaStore } from '../electron/engine/capture/media-store.ts';
import { TerminalIngest } from '../electron/engine/capture/terminal-ingest.ts';
import { openIndex } from '../electron/engine/index/open-index.ts';
import { EventWriter } from '../electron/engine/ingest/event-writer.ts';
import { normalizeEvent } from '../electron/engine/ingest/normalize-event.ts';
import { runtimePaths } from '../electron/engine/runtime/data-root.ts';
import { silentLogger } from '../electron/engine/runtime/logger.ts';
import { SealService } from '../electron/engine/seal/seal-service.ts';
import { SessionTracker } from '../electron/engine/sessions/session-tracker.ts';
import { createVault } from '../electron/engine/vault/vault.ts';
import type { BenchTsa } from './bench-tsa.ts';

const WINDOW_MS = 10_000;
const TOOL_CALL_EVERY_MS = 10_000;
export const BENCH_PASSPHRASE = 'benchmark passphrase';

export interface HourRecording {
  readonly dataRoot: string;
  readonly agentSessionId: string;
  readonly range: { readonly from: string; readonly to: string };
  /** What went into the vault, by kind: items and plaintext bytes. */
  readonly stored: Readonly<Record<string, { items: number; bytes: number }>>;
}

interface Video {
  readonly init: Fmp4Init;
  readonly fragments: readonly Fmp4Fragment[];
  readonly still: Buffer;
}

/** One minute encoded as the capture encodes (native/ffmpeg/capture-args.ts), looped to `minutes`. */
function makeVideo(dir: string, minutes: number): Video {
  const minute = path.join(dir, 'minute.mp4');
  const ff = (args: string[]): Buffer =>
    execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', ...args], { maxBuffer: 4 * 1024 ** 3 });
  ff([
    ...['-f', 'lavfi', '-i', 'testsrc2=size=1920x1080:rate=5', '-t', '60'],
    ...['-vf', 'format=yuv420p,mpdecimate=max=4', '-fps_mode', 'vfr'],
    ...['-c:v', 'libx264', '-preset', 'fast', '-tune', 'zerolatency', '-crf', '30', '-x264-params', 'qcomp=1'],
    ...['-forced-idr', '1', '-force_key_frames', 'expr:if(isnan(prev_forced_t),1,gte(t-prev_forced_t,10))'],
    ...['-f', 'mp4', '-movflags', 'frag_keyframe+empty_moov+default_base_moof', '-frag_duration', '1000000'],
    minute,
  ]);
  const still = ff(['-i', minute, '-frames:v', '1', '-f', 'image2pipe', '-c:v', 'png', 'pipe:1']);
  const looped = ff([
    ...['-stream_loop', String(minutes - 1), '-i', minute, '-c', 'copy'],
    ...['-f', 'mp4', '-movflags', 'frag_keyframe+empty_moov+default_base_moof', '-frag_duration', '1000000'],
    'pipe:1',
  ]);
  let init: Fmp4Init | null = null;
  const fragments: Fmp4Fragment[] = [];
  for (const part of new Fmp4Splitter().push(looped)) {
    if (part.kind === 'init') init = part.init;
    else fragments.push(part.fragment);
  }
  if (init === null) throw new Error('ffmpeg wrote no init segment');
  return { init, fragments, still };
}

/** A PostToolUse-sized Bash call (raw-load's frame shape), or the session's end. */
function agentEvent(i: number, kind: 'PreToolUse' | 'PostToolUse' | 'SessionEnd'): ReturnType<typeof normalizeEvent> {
  const payload = {
    session_id: 'bench-hour',
    transcript_path: '/home/dev/.claude/projects/x/bench.jsonl',
    cwd: '/home/dev/project',
    hook_event_name: kind,
    ...(kind === 'SessionEnd'
      ? { reason: 'exit' }
      : {
          tool_name: 'Bash',
          tool_use_id: `toolu_${i}`,
          tool_input: { command: `npm test -- --grep case-${i}`, description: 'run the tests' },
          ...(kind === 'PostToolUse' ? { tool_response: { stdout: `ok ${i}\n`.repeat(150), stderr: '' } } : {}),
        }),
  };
  const line = Buffer.from(JSON.stringify({ type: 'event', id: i, event: { agent: 'claude-code', payload } }));
  const frame = eventFrameSchema.parse(JSON.parse(line.toString('utf8')));
  return normalizeEvent(frame.event, { transport: 'socket-frame', bytes: line });
}

/** ~2 KB of cast output for second `s`: what a test run scrolling in the terminal looks like. */
function terminalOutput(s: number): [number, 'o', string][] {
  return Array.from({ length: 20 }, (_, i) => [
    s + i / 20,
    'o',
    `\u001b[32m✓\u001b[0m src/feature-${s}-${i}.test.ts > handles case ${i} (${(s * 7 + i) % 97} ms)\r\n`,
  ]);
}

export async function recordHour(dir: string, tsa: BenchTsa, minutes = 60): Promise<HourRecording> {
  const video = makeVideo(dir, minutes);
  const dataRoot = path.join(dir, 'data');
  fs.mkdirSync(dataRoot, { mode: 0o700 });
  const paths = runtimePaths(dataRoot);
  const vault = await createVault({
    vaultDir: paths.vaultDir,
    keyring: null,
    passphrase: BENCH_PASSPHRASE,
    scryptLogN: 14,
  });
  const db = openIndex(paths.indexPath);
  const t0 = Math.floor(Date.now() / WINDOW_MS) * WINDOW_MS - minutes * 60_000 - 60_000;
  let now = t0;
  const clock = { now: () => now, monoUs: () => now * 1000 };
  const writer = new EventWriter(db, vault.subkey('index-fields'), new SessionTracker());
  const seal = await SealService.open(
    db,
    vault,
    dataRoot,
    {
      windowMs: WINDOW_MS,
      tsa: { endpoints: [{ url: tsa.url, minSpacingMs: 0 }], trustPem: tsa.rootPem, timeoutMs: 30_000 },
    },
    clock,
    silentLogger,
    writer,
  );
  const captures = new CaptureSessions(db);
  const media = new MediaStore(db, vault.objects, clock);
  const terminals = new TerminalIngest(captures, media, clock, silentLogger);
  const add = async (sessionId: string, item: Parameters<MediaStore['add']>[1]): Promise<number> =>
    (await media.add(sessionId, item)).seq;
  const events = { items: 0, bytes: 0 };
  const write = (event: ReturnType<typeof normalizeEvent>): { sessionId: string; seq: number } => {
    events.items += 1;
    events.bytes += event.received.bytes.length;
    const [w] = writer.writeBatch([{ event, client: 'hook', receivedAtMs: now, receivedMonoUs: now * 1000 }]);
    if (w === undefined) throw new Error('the event writer wrote nothing');
    return w;
  };
  try {
    const screen = captures.open('screen', 'aev', 'bench-screen', t0);
    const { timescale, codec, width, height } = video.init;
    const initSeq = await add(screen, {
      kind: 'video-init',
      bytes: video.init.bytes,
      startMs: t0,
      endMs: t0,
      info: { codec, width, height, timescale },
    });
    const owner = {};
    await terminals.handle(
      {
        type: 'terminal.open',
        id: 'open',
        terminalId: 'bench-terminal',
        agent: 'claude-code',
        command: ['claude'],
        width: 160,
        height: 48,
        timestamp: Math.floor(t0 / 1000),
        env: { SHELL: '/bin/bash', TERM: 'xterm-256color' },
        recordInput: false,
      },
      owner,
    );
    let agentSessionId = '';
    let fragment = 0;
    let call = 0;
    for (let w = 0; w < minutes * 6; w++) {
      const windowEnd = t0 + (w + 1) * WINDOW_MS;
      for (let s = 0; s < WINDOW_MS / 1000; s++) {
        const second = w * 10 + s;
        now = t0 + second * 1000 + 500;
        await terminals.handle(
          { type: 'terminal.data', id: `d${second}`, terminalId: 'bench-terminal', events: terminalOutput(second) },
          owner,
        );
        if ((second * 1000) % TOOL_CALL_EVERY_MS !== 0) continue;
        // A call that takes 300 ms, each of its events with its still, in clock order.
        for (const kind of ['PreToolUse', 'PostToolUse'] as const) {
          now += 300;
          const e = write(agentEvent(call, kind));
          agentSessionId = e.sessionId;
          const info = { event: e.seq, at: kind, width, height, source: 'video' };
          await add(e.sessionId, { kind: 'still', bytes: video.still, startMs: now, endMs: now, info });
        }
        call += 1;
      }
      for (let f = video.fragments[fragment]; f !== undefined; f = video.fragments[fragment]) {
        const startMs = t0 + (f.decodeTime / timescale) * 1000;
        if (startMs >= windowEnd) break;
        const ptsMs = (f.decodeTime / timescale) * 1000;
        const info = { init: initSeq, sequence: f.sequence, keyframe: f.keyframe, ptsMs };
        const endMs = startMs + (f.duration / timescale) * 1000;
        await add(screen, { kind: 'video-fragment', bytes: f.bytes, startMs, endMs, info });
        fragment += 1;
      }
      now = windowEnd;
      seal.sealer.sealDue();
      await seal.queue.idle();
    }
    now += 500;
    write(agentEvent(call, 'SessionEnd'));
    await terminals.handle({ type: 'terminal.close', id: 'close', terminalId: 'bench-terminal', exitCode: 0 }, owner);
    captures.end(screen, 'recording-stopped', now);
    now += WINDOW_MS;
    seal.sealer.sealDue();
    await seal.queue.idle();
    const pending = seal.queue.status().pending;
    if (pending > 0) throw new Error(`${pending} records were not time-stamped`);
    await seal.stop();
    const stored: Record<string, { items: number; bytes: number }> = { event: events };
    const kinds = db
      .prepare<[], { kind: string; items: number; bytes: number }>(
        'SELECT kind, COUNT(*) AS items, SUM(bytes) AS bytes FROM media GROUP BY kind',
      )
      .all();
    for (const k of kinds) stored[k.kind] = { items: k.items, bytes: k.bytes };
    return {
      dataRoot,
      agentSessionId,
      range: { from: new Date(t0).toISOString(), to: new Date(now).toISOString() },
      stored,
    };
  } finally {
    db.close();
    vault.close();
  }
}
