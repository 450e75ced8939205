/** Bounded concurrency: `limit` lanes, each taking the next item as soon as its last one is done. */

/**
 * Runs `work` on every item, at most `limit` at once, started in the items' order. The first
 * failure rejects the call at once (as `Promise.all` does) and no item is started after it; the
 * items already in flight run to their end, unawaited.
 */
export async function forEachConcurrently<T>(items: readonly T[], limit: number, work: (item: T, index: number) => Promise<void>): Promise<void> {
  if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`a concurrency limit is a positive integer, not ${limit}`);
  let next = 0;
  let failed = false;
  const lane = async () => {
    while (!failed && next < items.length) {
      const index = next++;
      try {
        await work(items[index] as T, index);
      } catch (error) {
        failed = true;
        throw error;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
}
