/**
 * Drives one load run from several load-generator processes and merges what they measured.
 * The total load is split evenly; every generator starts at the same wall-clock instant, so
 * their measured windows coincide and their operation counts can be added.
 */
import { fork, type ChildProcess } from "node:child_process";
import type { CpuUseByGroup, LoadWindow } from "./cpu-use.js";
import { createLatencyHistogram, type LatencyHistogram } from "./latency-histogram.js";
import type {
  FromGenerator,
  GeneratorResult,
  LoadJob,
  LoadShape,
  ToGenerator,
} from "./load-protocol.js";

/** The whole load of a run, before it is split over generators. */
export type LoadRequest = Omit<LoadJob, "shape" | "phaseOffsetMs"> & { shape: LoadShape };

export interface LoadRunResult {
  operations: number;
  /** Successful calls at any time, warm-up included. */
  succeededTotal: number;
  opsPerSec: number;
  errorsByCode: Record<string, number>;
  histogram: LatencyHistogram;
  windowMs: number;
  /** When the load (warm-up included) began, in wall-clock time. */
  loadStartEpochMs: number;
  /** The measured window in wall-clock time, for matching it against database timestamps. */
  windowStartEpochMs: number;
  windowEndEpochMs: number;
  scheduled: number;
  shed: number;
  sendLagMsMax: number;
  /** Over the measured window, when the run was given a probe (cpu-use.ts). */
  cpu?: CpuUseByGroup;
}

/** Told when the measured window will be, once the start instant is set; asked for its figures after. */
export interface WindowProbe {
  onWindow(window: LoadWindow): void;
  result(): Promise<CpuUseByGroup | undefined>;
}

export interface LoadRunner {
  run(request: LoadRequest, probe?: WindowProbe): Promise<LoadRunResult>;
}

export interface LoadRunnerDeps {
  /** The compiled load-generator.js. */
  generatorEntry: string;
  generatorCount: number;
}

const prepareTimeoutMs = 20_000;
/** Time between the last generator reporting ready and the shared start, to deliver `start`. */
const startDelayMs = 200;
/** Beyond warm-up, window and one call deadline: how long a generator may take to report. */
const resultMarginMs = 10_000;

/**
 * The open-loop rate one generator process is given at most. An open loop at a lower rate runs on
 * fewer generators than configured, because a process that mostly waits still wakes for every
 * call, and on the 2-core bench machine its CPU and its wake-ups come out of the system being
 * measured (docs/decisions/2026-11-27-bench-load-generators.md).
 */
export const openLoopRatePerGeneratorMax = 5_000;

/** Splits the total load; the first generators take the remainder of an uneven split. */
export function splitShape(shape: LoadShape, generatorCount: number): LoadShape[] {
  // One process counts the pipeline and fills it; a few hundred calls/s need no more.
  if (shape.kind === "pipeline") return [shape];
  if (shape.kind === "closed") {
    return Array.from({ length: generatorCount }, (_, index) => {
      const base = Math.floor(shape.concurrency / generatorCount);
      return {
        kind: "closed",
        concurrency: base + (index < shape.concurrency % generatorCount ? 1 : 0),
      };
    });
  }
  const count = Math.max(
    1,
    Math.min(generatorCount, Math.ceil(shape.ratePerSec / openLoopRatePerGeneratorMax)),
  );
  return Array.from({ length: count }, () => ({
    kind: "open",
    ratePerSec: shape.ratePerSec / count,
    inFlightMax: Math.ceil(shape.inFlightMax / count),
  }));
}

export function createLoadRunner(deps: LoadRunnerDeps): LoadRunner {
  return {
    async run(request, probe) {
      const shapes = splitShape(request.shape, deps.generatorCount).filter(
        (shape) => shape.kind !== "closed" || shape.concurrency > 0,
      );
      const children: ChildProcess[] = [];
      const killAll = () =>
        children.forEach((child) => child.exitCode === null && child.kill("SIGKILL"));
      try {
        const generators = shapes.map((shape, index) => {
          const child = fork(deps.generatorEntry, [], {
            stdio: ["ignore", "inherit", "inherit", "ipc"],
          });
          children.push(child);
          const job: LoadJob = {
            ...request,
            shape,
            // Generators interleave their open-loop sends instead of sending in lock step.
            phaseOffsetMs:
              shape.kind === "open" ? (index / shapes.length) * (1000 / shape.ratePerSec) : 0,
            keyPrefix: `${request.keyPrefix}-g${index}`,
          };
          return { child, job, messages: messagesOf(child) };
        });

        for (const generator of generators)
          send(generator.child, { type: "prepare", job: generator.job });
        await withTimeout(
          Promise.all(generators.map((generator) => generator.messages.next("ready"))),
          prepareTimeoutMs,
          "load generators to connect",
        );

        const startAtEpochMs = Date.now() + startDelayMs;
        for (const generator of generators)
          send(generator.child, { type: "start", startAtEpochMs });
        const windowStartEpochMs = startAtEpochMs + request.warmupMs;
        probe?.onWindow({
          startEpochMs: windowStartEpochMs,
          endEpochMs: windowStartEpochMs + request.durationMs,
          generatorPids: generators.flatMap((generator) =>
            generator.child.pid === undefined ? [] : [generator.child.pid],
          ),
        });
        const results = await withTimeout(
          Promise.all(generators.map((generator) => generator.messages.next("result"))),
          startDelayMs +
            request.warmupMs +
            request.durationMs +
            request.callDeadlineMs +
            resultMarginMs,
          "load generators to report",
        );
        const cpu = await probe?.result();
        return {
          ...mergeResults(
            results.map((message) => (message as { result: GeneratorResult }).result),
            request.durationMs,
          ),
          ...(cpu ? { cpu } : {}),
          loadStartEpochMs: startAtEpochMs,
          windowStartEpochMs,
          windowEndEpochMs: windowStartEpochMs + request.durationMs,
        };
      } finally {
        killAll();
      }
    },
  };
}

function mergeResults(
  results: GeneratorResult[],
  windowMs: number,
): Omit<LoadRunResult, "loadStartEpochMs" | "windowStartEpochMs" | "windowEndEpochMs"> {
  const histogram = createLatencyHistogram();
  const errorsByCode: Record<string, number> = {};
  let scheduled = 0;
  let shed = 0;
  let succeededTotal = 0;
  let sendLagMsMax = 0;
  for (const result of results) {
    histogram.merge(result.histogram);
    for (const [code, count] of Object.entries(result.errorsByCode))
      errorsByCode[code] = (errorsByCode[code] ?? 0) + count;
    scheduled += result.scheduled;
    succeededTotal += result.succeededTotal;
    shed += result.shed;
    sendLagMsMax = Math.max(sendLagMsMax, result.sendLagMsMax);
  }
  const operations = histogram.count();
  return {
    operations,
    succeededTotal,
    opsPerSec: operations / (windowMs / 1000),
    errorsByCode,
    histogram,
    windowMs,
    scheduled,
    shed,
    sendLagMsMax,
  };
}

function send(child: ChildProcess, message: ToGenerator): void {
  child.send(message);
}

/** Waits for a generator's next message of a type; an error message or an early exit rejects. */
function messagesOf(child: ChildProcess) {
  const received: FromGenerator[] = [];
  const waiters: (() => void)[] = [];
  let exit: string | undefined;
  child.on("message", (message: FromGenerator) => {
    received.push(message);
    waiters.splice(0).forEach((wake) => wake());
  });
  // "close", not "exit": it comes after the IPC channel is drained, so a result sent just
  // before exiting is never mistaken for a crash.
  child.on("close", (code, signal) => {
    exit = `load generator exited (code ${code}, signal ${signal})`;
    waiters.splice(0).forEach((wake) => wake());
  });
  return {
    next(type: FromGenerator["type"]): Promise<FromGenerator> {
      return new Promise((resolve, reject) => {
        const check = () => {
          const error = received.find((message) => message.type === "error");
          if (error?.type === "error") {
            reject(new Error(`load generator failed: ${error.message}`));
            return;
          }
          const index = received.findIndex((message) => message.type === type);
          if (index >= 0) {
            resolve(received.splice(index, 1)[0]!);
            return;
          }
          if (exit) {
            reject(new Error(exit));
            return;
          }
          waiters.push(check);
        };
        check();
      });
    },
  };
}

async function withTimeout<T>(promise: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)),
          timeoutMs,
        );
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
