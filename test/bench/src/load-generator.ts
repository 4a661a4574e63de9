/**
 * A load-generator process. The bench forks several of these so the cost of making calls
 * (serialisation, HTTP/2 framing, promise bookkeeping) is spread over processes and is not paid
 * by the process that measures. Protocol: the parent sends `prepare` with a job; the generator
 * connects and answers `ready`; the parent sends `start` with a wall-clock instant shared by all
 * generators; the generator runs warm-up plus the measured window, answers `result` and exits.
 */
import { performance } from "node:perf_hooks";
import pg from "pg";
import { grpcCodeName } from "./grpc-code-name.js";
import { createLatencyHistogram } from "./latency-histogram.js";
import type {
  FromGenerator,
  GeneratorResult,
  LoadJob,
  LoadShape,
  ToGenerator,
} from "./load-protocol.js";
import { runPipelineLoop } from "./pipeline-loop.js";
import { countPendingWithdrawals } from "./withdrawal-tracker.js";
import { createWorkload, type Workload } from "./workloads.js";

const connectTimeoutMs = 10_000;

interface Window {
  startMs: number;
  measureFromMs: number;
  endMs: number;
}

function createTally(windowMs: number) {
  const histogram = createLatencyHistogram();
  const errorsByCode: Record<string, number> = {};
  const result: Omit<GeneratorResult, "histogram" | "operations" | "errorsByCode"> = {
    windowMs,
    succeededTotal: 0,
    scheduled: 0,
    shed: 0,
    sendLagMsMax: 0,
  };
  return {
    histogram,
    result,
    success: (latencyMs: number) => histogram.record(latencyMs),
    failure: (err: unknown) => {
      const code = grpcCodeName(err);
      errorsByCode[code] = (errorsByCode[code] ?? 0) + 1;
    },
    finish: (): GeneratorResult => ({
      ...result,
      operations: histogram.count(),
      errorsByCode,
      histogram: histogram.snapshot(),
    }),
  };
}

type Tally = ReturnType<typeof createTally>;

const sleepUntil = (perfMs: number) =>
  new Promise((resolve) => setTimeout(resolve, Math.max(0, perfMs - performance.now())));

/** Each caller sends its next call when the last one answers; counted by completion time. */
async function runClosedLoop(
  workload: Workload,
  concurrency: number,
  window: Window,
  tally: Tally,
): Promise<void> {
  await sleepUntil(window.startMs);
  const inWindow = (ms: number) => ms >= window.measureFromMs && ms <= window.endMs;
  const caller = async () => {
    while (performance.now() < window.endMs) {
      const sentMs = performance.now();
      try {
        await workload.call();
        tally.result.succeededTotal++;
        const doneMs = performance.now();
        if (inWindow(doneMs)) tally.success(doneMs - sentMs);
      } catch (err) {
        if (inWindow(performance.now())) tally.failure(err);
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, caller));
}

/**
 * Calls leave on schedule; latency runs from the scheduled instant, so time a call spent waiting
 * behind a stalled generator counts against it too (no coordinated omission). Calls are counted
 * by scheduled time and awaited after the window, so the slowest ones still make the tail.
 */
function runOpenLoop(
  workload: Workload,
  ratePerSec: number,
  inFlightMax: number,
  phaseOffsetMs: number,
  window: Window,
  tally: Tally,
): Promise<void> {
  const intervalMs = 1000 / ratePerSec;
  const firstDueMs = window.startMs + phaseOffsetMs;
  let index = 0;
  let inFlight = 0;
  let scheduling = true;
  return new Promise((resolve) => {
    const maybeDone = () => {
      if (!scheduling && inFlight === 0) resolve();
    };
    const send = (dueMs: number, counted: boolean) => {
      inFlight++;
      workload
        .call()
        .then(
          () => {
            tally.result.succeededTotal++;
            if (counted) tally.success(performance.now() - dueMs);
          },
          (err: unknown) => counted && tally.failure(err),
        )
        .finally(() => {
          inFlight--;
          maybeDone();
        });
    };
    const tick = () => {
      const nowMs = performance.now();
      for (;;) {
        const dueMs = firstDueMs + index * intervalMs;
        if (dueMs >= window.endMs) {
          scheduling = false;
          maybeDone();
          return;
        }
        if (dueMs > nowMs) break;
        index++;
        const counted = dueMs >= window.measureFromMs;
        if (counted) {
          tally.result.scheduled++;
          tally.result.sendLagMsMax = Math.max(tally.result.sendLagMsMax, nowMs - dueMs);
        }
        if (inFlight >= inFlightMax) {
          if (counted) tally.result.shed++;
          continue;
        }
        send(dueMs, counted);
      }
      setTimeout(tick, Math.max(0, firstDueMs + index * intervalMs - performance.now()));
    };
    setTimeout(tick, Math.max(0, firstDueMs - performance.now()));
  });
}

/**
 * Keeps the settlement pipeline holding `inPipelineMax` withdrawals (pipeline-loop.ts), counting
 * the unfinished ones in the wallet's database. Calls are counted by send time, like the open loop.
 */
async function runPipeline(
  workload: Workload,
  shape: Extract<LoadShape, { kind: "pipeline" }>,
  window: Window,
  tally: Tally,
): Promise<void> {
  await sleepUntil(window.startMs);
  const loadStart = new Date(performance.timeOrigin + window.startMs);
  const pool = new pg.Pool({
    connectionString: shape.databaseUrl,
    max: 1,
    application_name: "wallet-bench-pipeline",
  });
  const counted = (sentMs: number) => sentMs >= window.measureFromMs && sentMs < window.endMs;
  try {
    await runPipelineLoop({
      call: () => workload.call(),
      countUnfinished: () => countPendingWithdrawals(pool, { from: loadStart }),
      inPipelineMax: shape.inPipelineMax,
      pollIntervalMs: shape.pollIntervalMs,
      endMs: window.endMs,
      onSent: (sentMs) => {
        if (counted(sentMs)) tally.result.scheduled++;
      },
      onSettled: (sentMs, outcome) => {
        if (outcome.ok) tally.result.succeededTotal++;
        if (!counted(sentMs)) return;
        if (outcome.ok) tally.success(performance.now() - sentMs);
        else tally.failure(outcome.err);
      },
    });
  } finally {
    await pool.end();
  }
}

async function run(
  job: LoadJob,
  workload: Workload,
  startAtEpochMs: number,
): Promise<GeneratorResult> {
  // performance.now() is monotonic; the shared start instant is wall-clock, so convert once.
  const startMs = startAtEpochMs - performance.timeOrigin;
  const window: Window = {
    startMs,
    measureFromMs: startMs + job.warmupMs,
    endMs: startMs + job.warmupMs + job.durationMs,
  };
  const tally = createTally(job.durationMs);
  if (job.shape.kind === "closed")
    await runClosedLoop(workload, job.shape.concurrency, window, tally);
  else if (job.shape.kind === "pipeline") await runPipeline(workload, job.shape, window, tally);
  else
    await runOpenLoop(
      workload,
      job.shape.ratePerSec,
      job.shape.inFlightMax,
      job.phaseOffsetMs,
      window,
      tally,
    );
  return tally.finish();
}

function reply(message: FromGenerator): Promise<void> {
  return new Promise((resolve) => process.send!(message, () => resolve()));
}

function main(): void {
  if (!process.send) {
    process.stderr.write(
      "load-generator is started by the bench (child_process.fork), not by hand\n",
    );
    process.exit(2);
  }
  let job: LoadJob | undefined;
  let workload: Workload | undefined;
  const fail = async (err: unknown) => {
    await reply({
      type: "error",
      message: err instanceof Error ? (err.stack ?? err.message) : String(err),
    });
    process.exit(1);
  };
  process.on("message", (message: ToGenerator) => {
    if (message.type === "prepare") {
      job = message.job;
      workload = createWorkload(job.workload, job);
      workload.waitForReady(connectTimeoutMs).then(() => reply({ type: "ready" }), fail);
    } else if (message.type === "start" && job && workload) {
      const active = workload;
      run(job, active, message.startAtEpochMs)
        .then(async (result) => {
          active.close();
          await reply({ type: "result", result });
          process.exit(0);
        })
        .catch(fail);
    }
  });
  // The parent went away (crashed or was interrupted): do not keep loading the server.
  process.on("disconnect", () => process.exit(1));
}

main();
