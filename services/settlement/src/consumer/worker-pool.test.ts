import { createLogger } from "@wallet/logger";
import { describe, expect, it } from "vitest";
import {
  startWorkerPool,
  type MessageSource,
  type PulledBatch,
  type WorkerPoolDeps,
} from "./worker-pool.js";

interface FakeMessage {
  id: number;
  naked: boolean;
  nak(): void;
}

/**
 * A backlog of messages served by pull requests, like a JetStream pull consumer: each pull takes
 * `pullLatencyMs` to answer and returns at most what was asked for.
 */
function fakeSource(count: number, pullLatencyMs = 0) {
  let next = 0;
  const pulls: number[] = [];
  const messages: FakeMessage[] = [];
  const source: MessageSource<FakeMessage> = {
    async pull(maxMessages) {
      pulls.push(maxMessages);
      await sleep(pullLatencyMs);
      const batchMessages: FakeMessage[] = [];
      while (batchMessages.length < maxMessages && next < count) {
        const message: FakeMessage = {
          id: next++,
          naked: false,
          nak: () => (message.naked = true),
        };
        batchMessages.push(message);
        messages.push(message);
      }
      let closed = false;
      const batch: PulledBatch<FakeMessage> = {
        async *[Symbol.asyncIterator]() {
          for (const message of batchMessages) {
            if (closed) return;
            yield message;
          }
          // An empty pull waits for its expiry, as a real one does, unless it is closed.
          if (batchMessages.length === 0) for (let i = 0; i < 10 && !closed; i++) await sleep(5);
        },
        close: async () => void (closed = true),
      };
      return batch;
    },
  };
  return { source, pulls, messages };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const logger = createLogger("test", "silent");

/** A pool with the test logger and a short pull retry. */
const startTestPool = (
  deps: Pick<WorkerPoolDeps<FakeMessage>, "source" | "workers" | "bufferMax" | "work">,
) => startWorkerPool({ ...deps, logger, pullRetryMs: 10 });

/**
 * Work of varied lengths that records when the number of busy workers changes, to measure how
 * long workers sat idle while messages were still waiting.
 */
function tracedWork(workers: number) {
  let busy = 0;
  const changes: { atMs: number; busy: number; start: boolean }[] = [];
  const busyAtStart: number[] = [];
  const done: number[] = [];
  const record = (start: boolean) => changes.push({ atMs: performance.now(), busy, start });
  return {
    busyAtStart,
    done,
    async work(message: FakeMessage) {
      busy++;
      busyAtStart.push(busy);
      record(true);
      await sleep(30 + ((message.id * 7) % 4) * 20);
      busy--;
      record(false);
      done.push(message.id);
    },
    /** Idle worker time over total worker time, from the pool first filling up to the last start. */
    idleShare(): number {
      const full = changes.findIndex((c) => c.busy === workers);
      const lastStart = changes.findLastIndex((c) => c.start);
      let idleMs = 0;
      for (let i = full; i < lastStart; i++)
        idleMs += (workers - changes[i]!.busy) * (changes[i + 1]!.atMs - changes[i]!.atMs);
      return idleMs / (workers * (changes[lastStart]!.atMs - changes[full]!.atMs));
    },
  };
}

describe("worker pool", () => {
  it("never runs more than `workers` messages at once, and pulls no more than it can hold", async () => {
    const { source, pulls } = fakeSource(40);
    const traced = tracedWork(4);
    const pool = startWorkerPool({
      source,
      workers: 4,
      bufferMax: 2,
      logger,
      pullRetryMs: 10,
      work: traced.work,
    });
    await waitUntil(() => traced.done.length === 40);
    await pool.stop(1_000);
    expect(Math.max(...traced.busyAtStart)).toBe(4);
    expect(pulls.every((size) => size >= 1 && size <= 6)).toBe(true);
    expect(new Set(traced.done).size).toBe(40);
  });

  it("starts a freed worker on a buffered message at once, even when pulls are slow", async () => {
    const { source } = fakeSource(40, 20);
    const traced = tracedWork(4);
    const pool = startWorkerPool({
      source,
      workers: 4,
      bufferMax: 4,
      logger,
      pullRetryMs: 10,
      work: traced.work,
    });
    await waitUntil(() => traced.done.length === 40);
    await pool.stop(1_000);
    expect(traced.idleShare()).toBeLessThan(0.08);
  });

  it("pulls several messages at a time while the workers are busy: never less than half the buffer", async () => {
    const { source, pulls } = fakeSource(60);
    const traced = tracedWork(4);
    const pool = startWorkerPool({
      source,
      workers: 4,
      bufferMax: 4,
      logger,
      pullRetryMs: 10,
      work: traced.work,
    });
    await waitUntil(() => traced.done.length === 60);
    await pool.stop(1_000);
    expect(pulls.length).toBeGreaterThan(5);
    expect(pulls.every((size) => size >= 2)).toBe(true);
  });

  it("leaves workers idle during each pull when it has no buffer", async () => {
    // The contrast that shows the measure above can fail.
    const { source } = fakeSource(40, 20);
    const traced = tracedWork(4);
    const pool = startWorkerPool({
      source,
      workers: 4,
      bufferMax: 0,
      logger,
      pullRetryMs: 10,
      work: traced.work,
    });
    await waitUntil(() => traced.done.length === 40);
    await pool.stop(1_000);
    expect(traced.idleShare()).toBeGreaterThan(0.12);
  });

  it("waits for running work on stop, starts nothing new and hands buffered messages back", async () => {
    const { source, messages } = fakeSource(100);
    const finished: number[] = [];
    const pool = startTestPool({
      source,
      workers: 3,
      bufferMax: 2,
      async work(message) {
        await sleep(30);
        finished.push(message.id);
      },
    });
    await waitUntil(() => pool.buffered() === 2);
    expect(pool.busy()).toBe(3);
    await pool.stop(1_000);
    expect(finished.length).toBe(3);
    expect(pool.busy()).toBe(0);
    expect(messages.filter((m) => m.naked)).toHaveLength(2);
    expect(messages).toHaveLength(5);
  });

  it("aborts work still running when the grace period ends", async () => {
    const { source } = fakeSource(1);
    let aborted = false;
    const pool = startTestPool({
      source,
      workers: 2,
      bufferMax: 0,
      work: (_message, signal) =>
        new Promise<void>((resolve) =>
          signal.addEventListener("abort", () => {
            aborted = true;
            resolve();
          }),
        ),
    });
    await waitUntil(() => pool.busy() === 1);
    const startedMs = Date.now();
    await pool.stop(50);
    expect(aborted).toBe(true);
    expect(Date.now() - startedMs).toBeLessThan(1_000);
  });

  it("keeps pulling after a failed pull", async () => {
    let failures = 0;
    const { source } = fakeSource(3);
    const flaky: MessageSource<FakeMessage> = {
      pull: (max) =>
        failures++ < 2 ? Promise.reject(new Error("no responders")) : source.pull(max),
    };
    const done: number[] = [];
    const pool = startWorkerPool({
      source: flaky,
      workers: 2,
      bufferMax: 0,
      logger,
      pullRetryMs: 5,
      work: async (m) => void done.push(m.id),
    });
    await waitUntil(() => done.length === 3);
    await pool.stop(100);
    expect(failures).toBeGreaterThanOrEqual(3);
  });

  it("starts the next message on a released worker, and holds at most `workers` released messages", async () => {
    const { source } = fakeSource(40);
    let calling = 0;
    let finishing = 0;
    const peaks = { calling: 0, handled: 0 };
    const done: number[] = [];
    const pool = startTestPool({
      source,
      workers: 3,
      bufferMax: 2,
      // A short "bank call", then a long tail after release: without a bound, released work would pile up.
      async work(message, _signal, release) {
        peaks.calling = Math.max(peaks.calling, ++calling);
        await sleep(5);
        calling--;
        finishing++;
        release();
        peaks.handled = Math.max(peaks.handled, calling + finishing);
        await sleep(40);
        finishing--;
        done.push(message.id);
      },
    });
    await waitUntil(() => done.length === 40);
    await pool.stop(1_000);
    expect(peaks.calling).toBe(3);
    // Released work ran beside the workers' next calls; with `workers` of it running, the rest
    // kept their workers, so no more than 2 x workers messages were ever handled at once.
    expect(peaks.handled).toBeGreaterThan(3);
    expect(peaks.handled).toBeLessThanOrEqual(3 + 3);
    expect(new Set(done).size).toBe(40);
  });

  it("waits on stop for released work to finish", async () => {
    const { source } = fakeSource(2);
    const finished: number[] = [];
    let started = 0;
    const pool = startTestPool({
      source,
      workers: 2,
      bufferMax: 0,
      async work(message, _signal, release) {
        started++;
        release();
        await sleep(50);
        finished.push(message.id);
      },
    });
    await waitUntil(() => started === 2);
    expect(pool.busy()).toBe(0);
    await pool.stop(1_000);
    expect(finished).toHaveLength(2);
  });

  it("refuses a buffer larger than the pool", () => {
    const { source } = fakeSource(0);
    expect(() =>
      startWorkerPool({
        source,
        workers: 2,
        bufferMax: 3,
        logger,
        pullRetryMs: 5,
        work: async () => undefined,
      }),
    ).toThrow(RangeError);
  });
});

async function waitUntil(condition: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await sleep(5);
  }
}
