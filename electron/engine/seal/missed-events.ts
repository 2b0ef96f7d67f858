import fs from 'node:fs';
import type { Database } from 'better-sqlite3';
import type { Logger } from '../runtime/logger.ts';
import type { WindowSealer } from './window-sealer.ts';

interface MissedLine {
  readonly at?: unknown;
  readonly agent?: unknown;
  readonly kind?: unknown;
  readonly agentSessionId?: unknown;
  readonly reason?: unknown;
}

/**
 * `aev hook` notes, without content, each event it could not hand over while the engine was down.
 * At start the engine turns those notes into signed gap records in the sessions they belong to, so the
 * hole is on record (invariant I4), then removes the file. Notes for unknown sessions are counted only.
 */
export function recordMissedEvents(file: string, db: Database, sealer: WindowSealer, logger: Logger): number {
  // Claim the notes by renaming them first: a hook that fails while the engine starts appends to a new
  // file instead of to one we are about to delete. A claimed file is removed only after its gaps are
  // committed, so a crash in between repeats a gap at the next start rather than losing it.
  const claimed = `${file}.claimed`;
  let count = fs.existsSync(claimed) ? consumeClaimed(claimed, db, sealer, logger) : 0;
  try {
    fs.renameSync(file, claimed);
  } catch {
    return count; // no notes (ENOENT), or not ours to take: nothing more to record
  }
  count += consumeClaimed(claimed, db, sealer, logger);
  return count;
}

function consumeClaimed(claimed: string, db: Database, sealer: WindowSealer, logger: Logger): number {
  let text: string;
  try {
    text = fs.readFileSync(claimed, 'utf8');
  } catch {
    return 0;
  }
  const bySession = new Map<string, string[]>();
  let unknown = 0;
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    let m: MissedLine;
    try {
      m = JSON.parse(line) as MissedLine;
    } catch {
      continue;
    }
    if (typeof m.agent !== 'string' || typeof m.agentSessionId !== 'string') continue;
    const session = db
      .prepare<[string, string], { id: string }>(
        'SELECT id FROM sessions WHERE agent = ? AND agent_session_id = ? AND chain_final = 0 ORDER BY started_at DESC LIMIT 1',
      )
      .get(m.agent, m.agentSessionId);
    if (session === undefined) {
      unknown += 1;
      continue;
    }
    const list = bySession.get(session.id) ?? [];
    list.push(`${String(m.kind)} at ${String(m.at)} (${String(m.reason)})`);
    bySession.set(session.id, list);
  }
  for (const [sessionId, notes] of bySession) {
    const detail = `${notes.length} hook event(s) could not reach the recorder: ${notes.slice(0, 20).join('; ')}${notes.length > 20 ? '; …' : ''}`;
    sealer.recordGap(sessionId, 'hook-unreachable', detail.slice(0, 1000));
  }
  fs.rmSync(claimed, { force: true });
  if (unknown > 0) logger.warn('missed hook events for sessions this engine never saw', { count: unknown });
  return [...bySession.values()].reduce((n, l) => n + l.length, 0) + unknown;
}
