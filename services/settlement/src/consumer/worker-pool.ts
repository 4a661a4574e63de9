/**
 * A fixed pool of workers fed by pull requests. The pool holds at most `workers` messages being
 * worked on plus `bufferMax` waiting for a worker, and asks JetStream only for the difference, so
 * nothing piles up locally. The small buffer hides the pull round trip: when a worker frees up
 * while work is waiting, its next message is already here.
 *
 * A worker is the bank call. Work may release its worker once the call is over (`release`) and
 * finish the rest (publishing the result, acking) outside the pool, so the next bank call does not
 * wait for a JetStream round trip. At most `workers` messages finish that way at once; past that,
 * a release is ignored and the work keeps its worker until it ends.
 *
 * While the workers are busy it pulls again only once half the buffer is free, so each pull
 * request brings several messages instead of one per finished call.
 *
 * A buffered message waits for at most one bank call (the buffer is no larger than the pool, and
 * every call is bounded by the bank timeout), well inside the ack wait, so it is not redelivered
 * meanwhile. On stop, buffered messages are handed straight back.
 */
import type { Logger } from "@wallet/logger";
import type { RequestMessage } from "./settle-message.js";

/** One pull request: yields up to the requested number of messages, then ends (full or expired). */
export interface PulledBatch<M> extends AsyncIterable<M> {
  close(): Promise<unknown>;
}

export interface MessageSource<M> {
  pull(maxMessages: number): Promise<PulledBatch<M>>;
}

export interface WorkerPool {
  /** Messages holding a worker right now. */
  busy(): number;
  /** Messages received and waiting for a worker. */
  buffered(): number;
  /**
   * Stops pulling and hands buffered messages back, waits up to `graceMs` for the workers to
   * finish, then aborts the calls still running (their messages are handed back for redelivery)
   * and waits briefly for them to let go.
   */
  stop(graceMs: number): Promise<void>;
}

export interface WorkerPoolDeps<M extends Pick<RequestMessage, "nak">> {
  source: MessageSource<M>;
  workers: number;
  /** Messages held waiting for a worker; 0 pulls only for idle workers. At most `workers`. */
  bufferMax: number;
  /** Handles one message; calling `release` frees its worker before the returned promise settles. */
  work(message: M, signal: AbortSignal, release: () => void): Promise<void>;
  logger: Logger;
  /** Pause after a failed pull (NATS down, consumer missing) before trying again. */
  pullRetryMs: number;
  /** After the grace period, how long aborted workers get to hand their messages back. */
  abortWaitMs?: number;
}

export function startWorkerPool<M extends Pick<RequestMessage, "nak">>(
  deps: WorkerPoolDeps<M>,
): WorkerPool {
  if (!Number.isInteger(deps.workers) || deps.workers < 1)
    throw new RangeError("workers must be a positive integer");
  if (!Number.isInteger(deps.bufferMax) || deps.bufferMax < 0 || deps.bufferMax > deps.workers) {
    throw new RangeError("bufferMax must be an integer in [0, workers]");
  }
  const capacity = deps.workers + deps.bufferMax;
  // An idle worker always makes room >= bufferMax + 1, so this never leaves a worker waiting.
  const pullMin = Math.max(1, Math.ceil(deps.bufferMax / 2));
  /** Every message being handled, whether it holds a worker or finishes after releasing it. */
  const inFlight = new Set<Promise<void>>();
  /** Messages holding a worker. */
  let busy = 0;
  const waiting: M[] = [];
  const abort = new AbortController();
  const stopped = new AbortController();
  // A function, not the property: the loops below check a value that shutdown changes meanwhile.
  const isStopped = () => stopped.signal.aborted;
  let batch: PulledBatch<M> | undefined;
  let wakeUp: (() => void) | undefined;

  const wake = () => {
    wakeUp?.();
    wakeUp = undefined;
  };

  /** Starts waiting messages on idle workers. */
  function pump(): void {
    while (busy < deps.workers && !isStopped()) {
      const next = waiting.shift();
      if (next === undefined) return;
      start(next);
    }
  }

  function start(message: M): void {
    let holdsWorker = true;
    busy++;
    const freeWorker = () => {
      if (!holdsWorker) return;
      holdsWorker = false;
      busy--;
      pump();
      wake();
    };
    // Released work is bounded: with `workers` already finishing outside the pool, keep the worker.
    const release = () => {
      if (inFlight.size - busy < deps.workers) freeWorker();
    };
    const task: Promise<void> = deps
      .work(message, abort.signal, release)
      .catch((err: unknown) => deps.logger.error({ err }, "worker failed"))
      .finally(() => {
        inFlight.delete(task);
        freeWorker();
      });
    inFlight.add(task);
  }

  async function run(): Promise<void> {
    while (!stopped.signal.aborted) {
      const room = capacity - busy - waiting.length;
      if (room < pullMin) {
        await new Promise<void>((resolve) => (wakeUp = resolve));
        continue;
      }
      const startedMs = Date.now();
      let received = 0;
      try {
        batch = await deps.source.pull(room);
        if (isStopped()) await batch.close();
        for await (const message of batch) {
          received++;
          if (isStopped() || busy + waiting.length >= capacity) {
            // Not ours to start: hand it straight back rather than let it wait out its ack wait.
            message.nak();
            continue;
          }
          waiting.push(message);
          pump();
        }
      } catch (err) {
        if (isStopped()) break;
        deps.logger.warn({ err }, "pull failed; retrying");
        await pause(deps.pullRetryMs, stopped.signal);
        continue;
      } finally {
        batch = undefined;
      }
      // A pull that ends at once with nothing in it is a server refusing pulls: do not spin.
      if (received === 0 && Date.now() - startedMs < 100)
        await pause(deps.pullRetryMs, stopped.signal);
    }
  }

  const loop = run().catch((err: unknown) => deps.logger.fatal({ err }, "pull loop crashed"));

  return {
    busy: () => busy,
    buffered: () => waiting.length,
    async stop(graceMs) {
      stopped.abort();
      wake();
      await batch?.close();
      await loop;
      for (const message of waiting.splice(0)) message.nak();
      if (!(await settledWithin([...inFlight], graceMs))) {
        deps.logger.warn(
          { busy: inFlight.size },
          "grace period over; aborting bank calls still running",
        );
        abort.abort();
        await settledWithin([...inFlight], deps.abortWaitMs ?? 3_000);
      }
    },
  };
}

async function settledWithin(tasks: Promise<void>[], timeoutMs: number): Promise<boolean> {
  if (tasks.length === 0) return true;
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<false>(
    (resolve) => (timer = setTimeout(() => resolve(false), timeoutMs)),
  );
  const result = await Promise.race([Promise.allSettled(tasks).then(() => true), timedOut]);
  clearTimeout(timer);
  return result;
}

function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) {
      resolve();
      return;
    }
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    }
    signal.addEventListener("abort", done, { once: true });
  });
}
