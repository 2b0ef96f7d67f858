/**
 * Vault objects read ahead of the one being used. Each object read is several trips to libuv's thread
 * pool (open, stat, read, close), each delayed on a busy machine; one read at a time left the export
 * waiting on them between items (libuv's pool has four threads).
 */
export const READ_AHEAD = 4;

/**
 * `read(item)` for each item, yielded in order, with up to `depth` reads started ahead of the consumer so
 * disk and CPU overlap. A read that fails is thrown when its turn comes (never reported as unhandled
 * while it waits); stopping early leaves at most `depth` reads to finish on their own.
 */
export async function* readAhead<T, R>(
  items: readonly T[],
  read: (item: T) => Promise<R>,
  depth = READ_AHEAD,
): AsyncGenerator<[T, R]> {
  const start = (i: number): Promise<R> | undefined => {
    const item = items[i];
    if (item === undefined) return undefined;
    const p = read(item);
    p.catch(() => undefined); // awaited below, in turn
    return p;
  };
  const ahead: (Promise<R> | undefined)[] = [];
  for (let i = 0; i < depth; i++) ahead.push(start(i));
  for (const [i, item] of items.entries()) {
    const result = await (ahead.shift() ?? read(item));
    ahead.push(start(i + depth));
    yield [item, result];
  }
}
