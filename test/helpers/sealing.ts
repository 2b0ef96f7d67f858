import BetterSqlite3 from 'better-sqlite3';
import path from 'node:path';
import type { AckFrame } from '../../electron/common/protocol/frames.ts';
import type { VerifyReport } from '../../electron/common/model/verification.ts';
import { verifyStore } from '../../electron/engine/verify/verify-store.ts';
import { TEST_PASSPHRASE } from './daemon-process.ts';
import { hookPayload, testClient } from './raw-client.ts';

/** Sends `n` tool events for one agent session and returns the acks. */
export async function sendEvents(socketPath: string, agentSession: string, n: number): Promise<AckFrame[]> {
  const client = await testClient(socketPath, 'ingest');
  const acks: AckFrame[] = [];
  for (let i = 0; i < n; i++) {
    const kind = i % 2 === 0 ? 'PreToolUse' : 'PostToolUse';
    acks.push(
      await client.sendEvent(
        {
          agent: 'claude-code',
          payload: hookPayload(agentSession, kind, {
            tool_name: 'Bash',
            tool_use_id: `t${Math.floor(i / 2)}`,
            tool_input: { command: `echo ${i}` },
            tool_response: { stdout: `${i}` },
          }),
        },
        5000,
      ),
    );
  }
  client.close();
  return acks;
}

/** Polls until `cond` holds (or fails the test after `timeoutMs`). */
export async function until(cond: () => boolean, timeoutMs = 15_000, what = 'condition'): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Verifies a data root from its files, as `aev verify --all` does. */
export function verifyDataRoot(dataRoot: string, trustPem: string, allowPending = false): Promise<VerifyReport> {
  return verifyStore({ dataRoot, keyring: null, passphrase: TEST_PASSPHRASE, sessions: 'all', trustPem, allowPending });
}

/** Opens a data root's index for reading or tampering (the engine must be stopped to tamper). */
export function openIndexFile(dataRoot: string, readonly = false): BetterSqlite3.Database {
  return new BetterSqlite3(path.join(dataRoot, 'index.sqlite'), { readonly });
}
