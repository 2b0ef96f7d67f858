import type { Database } from 'better-sqlite3';
import path from 'node:path';
import { CaptureSessions } from '../../../../electron/engine/capture/capture-sessions.ts';
import { MediaStore } from '../../../../electron/engine/capture/media-store.ts';
import { openIndex } from '../../../../electron/engine/index/open-index.ts';
import { systemClock } from '../../../../electron/engine/runtime/clock.ts';
import type { Logger } from '../../../../electron/engine/runtime/logger.ts';
import { createVault, openVault } from '../../../../electron/engine/vault/vault.ts';
import type { Vault } from '../../../../electron/engine/vault/vault.ts';
import { makeTempDir } from '../../../helpers/temp-dir.ts';

const PASSPHRASE = 'media fixture passphrase';

export interface LoggedLine {
  readonly level: 'info' | 'warn' | 'error';
  readonly message: string;
  readonly fields: Readonly<Record<string, unknown>> | undefined;
}

/** A logger that keeps what it is told, so tests can check what reaches the log and how often. */
export function recordingLogger(): Logger & { readonly lines: LoggedLine[] } {
  const lines: LoggedLine[] = [];
  return {
    lines,
    info: (message, fields) => lines.push({ level: 'info', message, fields }),
    warn: (message, fields) => lines.push({ level: 'warn', message, fields }),
    error: (message, fields) => lines.push({ level: 'error', message, fields }),
  };
}

/** A real index file and a real vault in a temp folder, with one session to add media to. */
export interface MediaFixture {
  readonly dir: string;
  readonly sessionId: string;
  media: MediaStore;
  db: Database;
  vault: Vault;
  /** Closes and reopens the index and the vault, as an engine restart does. */
  reopen(): Promise<void>;
  /** The decrypted bytes of the session's media of one kind, in seq order. */
  contents(kind: 'transcript' | 'still'): Promise<Buffer[]>;
  close(): void;
}

export async function mediaFixture(): Promise<MediaFixture> {
  const tmp = makeTempDir('aev-media-');
  const indexPath = path.join(tmp.dir, 'index.sqlite');
  const vaultDir = path.join(tmp.dir, 'vault');
  const db = openIndex(indexPath);
  const vault = await createVault({ vaultDir, keyring: null, passphrase: PASSPHRASE, scryptLogN: 14 });
  const sessionId = new CaptureSessions(db).open('terminal', 'claude-code', 'fixture', systemClock.now());
  const fixture: MediaFixture = {
    dir: tmp.dir,
    sessionId,
    db,
    vault,
    media: new MediaStore(db, vault.objects, systemClock),
    async reopen() {
      fixture.db.close();
      fixture.vault.close();
      fixture.db = openIndex(indexPath);
      fixture.vault = await openVault({ vaultDir, keyring: null, passphrase: PASSPHRASE });
      fixture.media = new MediaStore(fixture.db, fixture.vault.objects, systemClock);
    },
    async contents(kind) {
      const items = fixture.media.list(sessionId).filter((m) => m.kind === kind);
      const out: Buffer[] = [];
      for (const m of items) out.push((await fixture.media.read(sessionId, m.seq)).bytes);
      return out;
    },
    close() {
      fixture.db.close();
      fixture.vault.close();
      tmp.cleanup();
    },
  };
  return fixture;
}
