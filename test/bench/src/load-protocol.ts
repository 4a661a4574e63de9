/**
 * The messages between the bench and its load-generator processes (over the fork IPC channel).
 * Everything here is plain JSON: IPC cannot carry bigint or functions, so a job names its
 * workload and the generator builds the calls itself.
 */
import type { HistogramSnapshot } from "./latency-histogram.js";
import type { TransportName } from "./unary-transport.js";

export const workloadNames = [
  "charge-spread",
  "charge-hot",
  "balance-read",
  "mixed",
  "withdraw",
  "noop",
] as const;
export type WorkloadName = (typeof workloadNames)[number];

/**
 * Closed loop: `concurrency` callers, each sending its next call when the previous one answers.
 * Open loop: calls leave on a fixed schedule whether or not earlier ones answered; a call due
 * while `inFlightMax` calls are outstanding is shed (counted, not sent), so an overloaded server
 * cannot make the generator's memory grow without bound.
 * Pipeline (withdrawals only): a closed loop around the whole settlement pipeline. Every
 * `pollIntervalMs` the generator counts the withdrawals still unfinished end to end (pending in
 * the wallet's database since the load began, plus its Withdraw calls still unanswered) and sends
 * enough to bring them back to `inPipelineMax`. What it offers then matches what settlement
 * completes, so the pipeline reaches a steady state instead of a queue that only grows.
 */
export type LoadShape =
  | { kind: "closed"; concurrency: number }
  | { kind: "open"; ratePerSec: number; inFlightMax: number }
  | { kind: "pipeline"; inPipelineMax: number; pollIntervalMs: number; databaseUrl: string };

export interface LoadJob {
  /** host:port of the gRPC server. */
  address: string;
  /** How the generator makes its calls (unary-transport.ts). */
  client: TransportName;
  workload: WorkloadName;
  /** Users 1..userCount are the spread users; userCount + 1 is the hot user. */
  userCount: number;
  /** This generator's share of the load. */
  shape: LoadShape;
  /** Open loop: delays this generator's schedule so several generators interleave their sends. */
  phaseOffsetMs: number;
  warmupMs: number;
  durationMs: number;
  callDeadlineMs: number;
  /** Makes idempotency keys unique across generators, scenarios and runs. */
  keyPrefix: string;
}

export interface GeneratorResult {
  /** Successful calls in the measured window. */
  operations: number;
  /**
   * Successful calls at any time, warm-up included: whether the system worked at all, which a
   * tiny smoke window with slow calls could otherwise mistake for a failure.
   */
  succeededTotal: number;
  errorsByCode: Record<string, number>;
  /** Latency of the successful calls in the window. */
  histogram: HistogramSnapshot;
  windowMs: number;
  /** Open loop: calls scheduled in the window, sent or shed. Pipeline: calls sent in the window. */
  scheduled: number;
  /** Open loop: calls in the window not sent because `inFlightMax` calls were outstanding. */
  shed: number;
  /** Open loop: the largest delay between a call's scheduled time and its actual send. */
  sendLagMsMax: number;
}

export type ToGenerator =
  { type: "prepare"; job: LoadJob } | { type: "start"; startAtEpochMs: number };
export type FromGenerator =
  | { type: "ready" }
  | { type: "result"; result: GeneratorResult }
  | { type: "error"; message: string };
