// WalSyncer (electron/engine/index/wal-syncer.ts): the flush every acknowledgement waits for. A power cut
// cannot be simulated here (docs/performance.md, "Where durability happens"); these check which file is
// flushed, and that its descriptor is never closed under a flush.
import BetterSqlite3 from 'better-sqlite3';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { WalSyncer } from '../../../../electron/engine/index/wal-syncer.ts';
import { makeTempDir } from '../../../helpers/temp-dir.ts';

/** What this process's open descriptors point at (Linux: /proc/self/fd). */
function openFiles(): string[] {
  return fs.readdirSync('/proc/self/fd').flatMap((fd) => {
    try {
      return [fs.readlinkSync(`/proc/self/fd/${fd}`)];
    } catch {
      return []; // the directory's own descriptor, gone by now
    }
  });
}

describe.runIf(process.platform === 'linux')('WalSyncer', () => {
  let tmp: ReturnType<typeof makeTempDir>;
  let wal: string;
  let syncer: WalSyncer;

  beforeEach(() => {
    tmp = makeTempDir('aev-wal-syncer-');
    const file = path.join(tmp.dir, 'index.sqlite');
    const db = new BetterSqlite3(file);
    db.pragma('journal_mode = WAL');
    const made = WalSyncer.forDatabase(db);
    // The syncer needs only the log's path: the connection goes, and the log is a file of the test's.
    db.close();
    if (made === null) throw new Error('no syncer for a database in WAL mode');
    syncer = made;
    wal = `${file}-wal`;
    fs.writeFileSync(wal, 'frames');
  });

  afterEach(async () => {
    vi.useRealTimers();
    await syncer.close();
    tmp.cleanup();
  });

  it('flushes many times at once; closing lets them finish, lets the descriptor go and refuses later flushes', async () => {
    const syncs = Array.from({ length: 32 }, () => syncer.sync());
    const closed = syncer.close();
    await expect(Promise.all(syncs)).resolves.toHaveLength(32);
    await closed;
    expect(openFiles()).not.toContain(wal);
    await expect(syncer.sync()).rejects.toMatchObject({ code: 'E_SHUTTING_DOWN' });
  });

  it('flushes the file the path names, when the log was replaced under it (checked once a second)', async () => {
    vi.useFakeTimers({ toFake: ['performance'] });
    await syncer.sync();
    expect(openFiles()).toContain(wal);
    fs.writeFileSync(`${wal}.new`, 'other frames');
    fs.renameSync(`${wal}.new`, wal);
    // Within the second since the last check: the open file is flushed, without a look at the path.
    await syncer.sync();
    expect(openFiles()).toContain(`${wal} (deleted)`);
    vi.advanceTimersByTime(1000);
    await syncer.sync();
    expect(openFiles()).toContain(wal);
    expect(openFiles()).not.toContain(`${wal} (deleted)`);
  });
});
