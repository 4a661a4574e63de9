/**
 * Takes up to `max` items from the front of a queue, at most one per key; items passed over (a
 * repeat of a key already taken) and items past the limit stay in the queue, in their order. Used
 * by every batcher whose batch must not hold two requests for the same thing. In place, without
 * spreading the queue into arguments: a queue may hold a million items.
 */
export function takeDistinct<T>(queue: T[], max: number, keyOf: (item: T) => string): T[] {
  const batch: T[] = [];
  const keys = new Set<string>();
  let kept = 0;
  let read = 0;
  for (; read < queue.length && batch.length < max; read++) {
    const item = queue[read]!;
    const key = keyOf(item);
    if (keys.has(key)) {
      queue[kept++] = item;
    } else {
      keys.add(key);
      batch.push(item);
    }
  }
  queue.copyWithin(kept, read);
  queue.length -= read - kept;
  return batch;
}
