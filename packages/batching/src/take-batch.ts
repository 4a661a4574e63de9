/**
 * Takes the next batch from the front of a queue, in place: items for at most `keysMax` distinct
 * keys. A repeat of a key already taken either waits in the queue for a later batch ("wait": a
 * batch holds at most one item per key, so two writes with one idempotency key never share a
 * statement) or joins this batch without counting ("join": repeated reads of one user are
 * answered by one row). What is not taken stays in the queue, in its order. No spreading of the
 * queue into arguments: a queue may hold a million items.
 */
export type Repeats = "wait" | "join";

export function takeBatch<T>(
  queue: T[],
  keysMax: number,
  keyOf: (item: T) => string,
  repeats: Repeats = "wait",
): T[] {
  const batch: T[] = [];
  const keys = new Set<string>();
  let kept = 0;
  let read = 0;
  for (; read < queue.length; read++) {
    const item = queue[read] as T;
    const key = keyOf(item);
    if (keys.has(key)) {
      if (repeats === "join") batch.push(item);
      else queue[kept++] = item;
      continue;
    }
    if (keys.size >= keysMax) break;
    keys.add(key);
    batch.push(item);
  }
  queue.copyWithin(kept, read);
  queue.length -= read - kept;
  return batch;
}
