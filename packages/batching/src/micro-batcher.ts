/**
 * The micro-batcher every service uses for work that is cheaper many at a time: writes and reads
 * per statement, publishes per socket write, results per statement.
 *
 * - No timer: the first item schedules a batch for the end of the current event-loop turn
 *   (setImmediate), so everything submitted in that turn shares it; while a batch runs, the next
 *   gathers, and it starts as soon as a batch slot is free.
 * - Bounded: at most `queueMax` items wait; past that `submit` rejects with `overloaded()` and
 *   the item is not queued. A batch takes items for at most `batchMax` distinct keys, and at most
 *   `inFlightMax` batches run at once.
 * - Keys (optional): a batch holds at most one item per key, and a repeat waits for a later batch
 *   in its order (`repeats: "wait"`), or repeats join the batch they would wait for (`"join"`).
 *
 * `run` answers a batch with one outcome per item, in order; if it throws, every item of that
 * batch is rejected with what it threw. The batcher never reorders items of one key.
 */
import { takeBatch, type Repeats } from "./take-batch.js";

export type BatchOutcome<O> = { ok: true; value: O } | { ok: false; error: unknown };

export interface MicroBatcherOptions<I, O> {
  /** Distinct keys (items, without `keyOf`) one batch takes at most. */
  batchMax: number;
  /** Items waiting for a batch at most. */
  queueMax: number;
  /** Batches running at once; 1 unless the work may overlap. */
  inFlightMax?: number;
  keyOf?: (item: I) => string;
  repeats?: Repeats;
  run(batch: I[]): Promise<readonly BatchOutcome<O>[]>;
  /** The rejection of an item past `queueMax`. */
  overloaded(): Error;
  /** Told each time a batch leaves the queue, so a producer that paused for room can go on. */
  onBatchTaken?(): void;
}

export interface MicroBatcher<I, O> {
  submit(item: I): Promise<O>;
  /** Items waiting for a batch. */
  waiting(): number;
  /** Resolves once nothing waits and every batch taken so far has been answered. */
  drained(): Promise<void>;
}

interface Waiting<I, O> {
  item: I;
  resolve(value: O): void;
  reject(error: unknown): void;
}

export function createMicroBatcher<I, O>(options: MicroBatcherOptions<I, O>): MicroBatcher<I, O> {
  const inFlightMax = options.inFlightMax ?? 1;
  if (!(options.batchMax >= 1 && options.queueMax >= 1 && inFlightMax >= 1)) {
    throw new RangeError("a micro-batcher needs batchMax, queueMax and inFlightMax of at least 1");
  }
  const queue: Waiting<I, O>[] = [];
  const itemKey = options.keyOf;
  const take = itemKey
    ? () => takeBatch(queue, options.batchMax, (waiting) => itemKey(waiting.item), options.repeats)
    : () => queue.splice(0, options.batchMax);
  let inFlight = 0;
  let scheduled = false;
  let whenDrained: { promise: Promise<void>; resolve(): void } | undefined;

  function schedule(): void {
    if (scheduled || inFlight >= inFlightMax || queue.length === 0) return;
    scheduled = true;
    setImmediate(startBatch);
  }

  function startBatch(): void {
    scheduled = false;
    if (inFlight >= inFlightMax || queue.length === 0) return;
    const batch = take();
    inFlight += 1;
    options.onBatchTaken?.();
    void runBatch(batch).finally(() => {
      inFlight -= 1;
      schedule();
      settleDrained();
    });
    schedule();
  }

  async function runBatch(batch: Waiting<I, O>[]): Promise<void> {
    let outcomes: readonly BatchOutcome<O>[];
    try {
      outcomes = await options.run(batch.map((waiting) => waiting.item));
    } catch (err) {
      for (const waiting of batch) waiting.reject(err);
      return;
    }
    if (outcomes.length !== batch.length) {
      const mismatch = new Error(
        `a batch of ${batch.length} was answered with ${outcomes.length} outcomes`,
      );
      for (const waiting of batch) waiting.reject(mismatch);
      return;
    }
    batch.forEach((waiting, i) => {
      const outcome = outcomes[i] as BatchOutcome<O>;
      if (outcome.ok) waiting.resolve(outcome.value);
      else waiting.reject(outcome.error);
    });
  }

  function settleDrained(): void {
    if (whenDrained && inFlight === 0 && queue.length === 0) {
      whenDrained.resolve();
      whenDrained = undefined;
    }
  }

  return {
    submit(item) {
      if (queue.length >= options.queueMax) return Promise.reject(options.overloaded());
      return new Promise<O>((resolve, reject) => {
        queue.push({ item, resolve, reject });
        schedule();
      });
    },
    waiting: () => queue.length,
    drained() {
      if (inFlight === 0 && queue.length === 0) return Promise.resolve();
      if (!whenDrained) {
        let resolve = () => {};
        const promise = new Promise<void>((r) => (resolve = r));
        whenDrained = { promise, resolve };
      }
      return whenDrained.promise;
    },
  };
}
