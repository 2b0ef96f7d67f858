import { openBundleSink } from '../../../../electron/engine/export/bundle-sink.ts';

/** Writes `pieces` through a bundle sink for `out` (encrypted to `recipients`, plain with none) and closes it. */
export async function writeAll(out: string, recipients: string[], pieces: readonly Buffer[]): Promise<void> {
  const sink = await openBundleSink(out, recipients);
  for (const p of pieces) await sink.write(p);
  await sink.close();
}
