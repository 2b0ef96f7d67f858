import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { ChainRecordBody } from '../../../electron/common/model/chain.ts';
import type { Clock } from '../../../electron/engine/runtime/clock.ts';
import { systemClock } from '../../../electron/engine/runtime/clock.ts';
import { runtimePaths } from '../../../electron/engine/runtime/data-root.ts';
import { hookPayload, RawClient, terminalOpenFrame } from '../../helpers/raw-client.ts';
import { openIndexFile, sendEvents } from '../../helpers/sealing.ts';

export const DAY_MS = 86_400_000;

/**
 * A clock on which time passes (wall and monotonic together), as it does for an engine left running for
 * months; `shifted` starts it at an offset (an engine that recorded in the past).
 */
export function passingClock(startOffsetMs = 0): { readonly clock: Clock; advance(ms: number): void } {
  let offset = startOffsetMs;
  return {
    clock: { now: () => Date.now() + offset, monoUs: () => systemClock.monoUs() + offset * 1000 },
    advance(ms) {
      offset += ms;
    },
  };
}

/**
 * An agent session: `n` tool events, then `beforeEnd` (media to add while it is open), then SessionEnd,
 * so it ends and its chain is finished.
 */
export async function recordAgentSession(
  socketPath: string,
  name: string,
  n: number,
  beforeEnd: (sessionId: string) => Promise<void> = () => Promise.resolve(),
): Promise<string> {
  const acks = await sendEvents(socketPath, name, n);
  await beforeEnd(acks[0]!.sessionId);
  const c = await RawClient.hello(socketPath);
  try {
    c.send({ type: 'event', id: 'end', event: { agent: 'claude-code', payload: hookPayload(name, 'SessionEnd') } });
    await c.waitFor((f) => f.id === 'end');
  } finally {
    c.close();
  }
  return acks[0]!.sessionId;
}

/** A terminal as `aev run` streams it (terminal frames), `batches` chunks, then closed: its session ends. */
export async function recordTerminal(socketPath: string, terminalId: string, batches: number): Promise<string> {
  const c = await RawClient.hello(socketPath);
  try {
    c.send(terminalOpenFrame('o', terminalId, { width: 100, height: 30 }));
    const opened = await c.waitFor((f) => f.id === 'o');
    const sessionId = (opened.value as { sessionId: string }).sessionId;
    for (let i = 0; i < batches; i++) {
      c.send({ type: 'terminal.data', id: `d${i}`, terminalId, events: [[i * 0.01, 'o', `secret output ${i}\r\n`]] });
      await c.waitFor((f) => f.id === `d${i}`);
    }
    c.send({ type: 'terminal.close', id: 'c', terminalId, exitCode: 0 });
    await c.waitFor((f) => f.id === 'c');
    return sessionId;
  } finally {
    c.close();
  }
}

export interface ObjectFile {
  readonly seq: number;
  readonly kind: string;
  readonly file: string;
}

/** Where each media object of a session lives in the vault (ObjectStore layout: kind/shard/id.aev). */
export function objectFiles(dataRoot: string, sessionId: string): ObjectFile[] {
  const db = openIndexFile(dataRoot, true);
  try {
    const root = path.join(runtimePaths(dataRoot).vaultDir, 'objects');
    return db
      .prepare<[string], { seq: number; kind: string; object_id: string }>(
        'SELECT seq, kind, object_id FROM media WHERE session_id = ? ORDER BY seq',
      )
      .all(sessionId)
      .map((m) => ({
        seq: m.seq,
        kind: m.kind,
        file: path.join(
          root,
          m.kind,
          createHash('sha256').update(m.object_id).digest('hex').slice(0, 2),
          `${m.object_id}.aev`,
        ),
      }));
  } finally {
    db.close();
  }
}

export function existing(files: readonly ObjectFile[]): number {
  return files.filter((f) => fs.existsSync(f.file)).length;
}

/** A session's records as stored, with their bodies. */
export function records(
  dataRoot: string,
  sessionId: string,
): { readonly body: ChainRecordBody; readonly record: Buffer; readonly signature: string }[] {
  const db = openIndexFile(dataRoot, true);
  try {
    return db
      .prepare<[string], { record: Buffer; signature: string }>(
        'SELECT record, signature FROM chain_records WHERE session_id = ? ORDER BY seq',
      )
      .all(sessionId)
      .map((r) => ({ ...r, body: JSON.parse(r.record.toString('utf8')) as ChainRecordBody }));
  } finally {
    db.close();
  }
}

/** Polls an async condition (the engine answers over its socket). */
export async function untilAsync(cond: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Event payload ciphertext lengths of a session (0 once purged). */
export function payloadLengths(dataRoot: string, sessionId: string): number[] {
  const db = openIndexFile(dataRoot, true);
  try {
    return db
      .prepare<[string], { n: number }>('SELECT length(payload_ct) AS n FROM events WHERE session_id = ? ORDER BY seq')
      .all(sessionId)
      .map((r) => r.n);
  } finally {
    db.close();
  }
}
