/**
 * Vault objects read ahead of the one being used. Each object read is several trips to libuv's thread
 * pool (open, stat, read, close), each delayed on a busy machine; one read at a time left the export
 * waiting on them between items (libuv's pool has four threads).
 */
export const READ_AHEAD = 4;

/**
 * `read(item)` for each item, yielded in order, with up to `depth` reads started ahead of the consumer so
 * disk and CPU overlap. A read that fails is thrown when its turn comes (never reported as unhandled
 * while it waits); stopping early leaves at most `depth` reads to finish on their own. With `group` > 1,
 * reads are started `group` at a time (once that many have been used): a reader that batches the reads
 * asked for together (object-reader-thread.ts) then gets them in one message instead of one each.
 */
export async function* readAhead<T, R>(
  items: readonly T[],
  read: (item: T) => Promise<R>,
  depth = READ_AHEAD,
  group = 1,
): AsyncGenerator<[T, R]> {
  const ahead: Promise<R>[] = [];
  let next = 0;
  const topUp = (): void => {
    if (depth - ahead.length < group) return;
    while (ahead.length < depth && next < items.length) {
      const p = read(items[next] as T);
      next += 1;
      p.catch(() => undefined); // awaited below, in turn
      ahead.push(p);
    }
  };
  topUp();
  for (const item of items) {
    const result = await (ahead.shift() as Promise<R>);
    // The next reads start before this item is used: `depth` in flight while the consumer works.
    topUp();
    yield [item, result];
  }
}
