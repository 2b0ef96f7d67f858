import type { Database } from 'better-sqlite3';
import { MediaStore } from '../../../electron/engine/capture/media-store.ts';
import type { Engine } from '../../../electron/engine/create-engine.ts';
import { openIndex } from '../../../electron/engine/index/open-index.ts';
import { systemClock } from '../../../electron/engine/runtime/clock.ts';
import { openVault } from '../../../electron/engine/vault/vault.ts';
import type { Vault } from '../../../electron/engine/vault/vault.ts';
import { TEST_PASSPHRASE } from '../../helpers/daemon-process.ts';
import { hookPayload, RawClient } from '../../helpers/raw-client.ts';

/**
 * Sends one Claude Code hook event and returns the engine's agent session id and the event's seq from
 * the ack. The payload names no transcript_path: these tests hand the path to the capture themselves.
 */
export async function sendHook(
  socketPath: string,
  agentSessionId: string,
  event: 'SessionStart' | 'PreToolUse' | 'PostToolUse',
): Promise<{ readonly sessionId: string; readonly seq: number }> {
  const c = await RawClient.hello(socketPath);
  try {
    const tool =
      event === 'SessionStart'
        ? {}
        : {
            tool_name: 'Bash',
            tool_use_id: 't1',
            tool_input: { command: 'ls' },
            ...(event === 'PostToolUse' ? { tool_response: { stdout: 'a b c' } } : {}),
          };
    c.send({
      type: 'event',
      id: 'e',
      event: {
        agent: 'claude-code',
        payload: hookPayload(agentSessionId, event, { transcript_path: undefined, ...tool }),
      },
    });
    const ack = await c.waitFor((f) => f.id === 'e');
    if (ack.type !== 'ack') throw new Error(`no ack: ${JSON.stringify(ack)}`);
    return { sessionId: String(ack.sessionId), seq: Number(ack.seq) };
  } finally {
    c.close();
  }
}

/**
 * The running engine's index and vault opened a second time, with a MediaStore on them: how these tests
 * put the capture modules beside a real engine without its composition root (create-engine.ts is wired
 * separately). SQLite (WAL, busy timeout) serializes the two writers; the engine's sealer reads the media
 * table on every window, so it seals what this store adds.
 */
export interface SideStore {
  readonly media: MediaStore;
  readonly db: Database;
  readonly vault: Vault;
  close(): void;
}

export async function openSideStore(engine: Engine): Promise<SideStore> {
  const db = openIndex(engine.paths.indexPath);
  const vault = await openVault({ vaultDir: engine.paths.vaultDir, keyring: null, passphrase: TEST_PASSPHRASE });
  return {
    media: new MediaStore(db, vault.objects, systemClock),
    db,
    vault,
    close() {
      db.close();
      vault.close();
    },
  };
}

export interface SessionMediaCounts {
  readonly media_count: number;
  readonly sealed_media: number;
}

export function mediaCounts(db: Database, sessionId: string): SessionMediaCounts | undefined {
  return db
    .prepare<[string], SessionMediaCounts>('SELECT media_count, sealed_media FROM sessions WHERE id = ?')
    .get(sessionId);
}
