import { openIndexFile, until } from '../../helpers/sealing.ts';

/** Every event sealed and every queued record stamped, read from the index beside the running daemon. */
export async function untilSealedAndStamped(dataRoot: string): Promise<void> {
  await until(
    () => {
      const db = openIndexFile(dataRoot, true);
      try {
        const r = db
          .prepare<[], { unsealed: number; queued: number }>(
            `SELECT (SELECT COALESCE(SUM(event_count - sealed_seq), 0) FROM sessions) AS unsealed,
                    (SELECT COUNT(*) FROM tsa_queue) AS queued`,
          )
          .get();
        return r?.unsealed === 0 && r.queued === 0;
      } finally {
        db.close();
      }
    },
    20_000,
    'sealed and stamped',
  );
}
