import fs from 'node:fs';

/**
 * When the engine cannot be reached, the hook notes THAT an event was missed (never its content:
 * invariant I1) in the private runtime folder, so the engine can put the hole on record when it
 * returns (invariant I4) instead of it being silent.
 */
export interface MissedEvent {
  readonly at: string;
  readonly agent: string;
  readonly kind: string;
  readonly agentSessionId: string;
  readonly reason: string;
}

const MAX_FILE_BYTES = 1024 * 1024;

export function recordMissedEvent(file: string, missed: MissedEvent): void {
  try {
    const st = fs.statSync(file, { throwIfNoEntry: false });
    if (st !== undefined && st.size > MAX_FILE_BYTES) return;
    fs.appendFileSync(file, `${JSON.stringify(missed)}\n`, { mode: 0o600 });
  } catch {
    // The runtime folder may not exist (engine never ran); failing open means saying nothing.
  }
}
