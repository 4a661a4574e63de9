/**
 * The background load of the crash and outage scenarios: a fixed number of workers, each sending
 * charges (some locked for a few seconds), withdrawals and reads through a random door until told
 * to stop. Writes go through the driver (so the model learns their effect); reads are checked only
 * for the one answer never allowed, INTERNAL/500.
 */
import { status } from "@grpc/grpc-js";
import { sleep } from "@wallet/test-kit";
import { requestJson } from "../clients/http-request.js";
import type { Door, WriteRequest } from "../clients/wallet-driver.js";
import { grpcCodeName, internalCodes, isServiceError } from "../clients/write-outcome.js";
import type { Random } from "../random.js";
import { addViolation, type ScenarioReport } from "../report/scenario-report.js";
import type { SuiteContext } from "../suite-context.js";

export interface Answer {
  op: "charge" | "withdraw" | "read";
  door: Door["via"];
  /** A gRPC code name, HTTP_<status>, or HTTP_TRANSPORT. */
  code: string;
  startedAtMs: number;
  latencyMs: number;
}

export interface MixedLoadOptions {
  users: readonly bigint[];
  concurrency: number;
  random: Random;
  report: ScenarioReport;
  /** Share of requests that go through the gateway instead of gRPC. */
  httpShare: number;
  /** Called for every answer, for scenarios that judge answers by when they happened. */
  onAnswer?: (answer: Answer) => void;
}

export interface RunningLoad {
  stop(): Promise<void>;
}

/** A pause between one worker's requests, so the load leaves CPU for restarts on two cores. */
const thinkMsMax = 15;

export function startMixedLoad(ctx: SuiteContext, options: MixedLoadOptions): RunningLoad {
  let stopped = false;
  const recentIds: string[] = [];
  const workers = Array.from({ length: options.concurrency }, async (_, worker) => {
    const random = options.random.fork();
    while (!stopped) {
      const failed = await oneOperation(ctx, options, random, recentIds, worker);
      // A failing system answers in microseconds; backing off keeps the load (and the list of
      // writes to reconcile) proportionate, as a real client's retry policy would.
      await sleep(failed ? random.int(50, 150) : random.int(0, thinkMsMax));
    }
  });
  return {
    async stop() {
      stopped = true;
      await Promise.all(workers);
    },
  };
}

/** Sends one request; true when it failed for a reason other than the request itself. */
async function oneOperation(
  ctx: SuiteContext,
  options: MixedLoadOptions,
  random: Random,
  recentIds: string[],
  worker: number,
): Promise<boolean> {
  const userId = random.pick(options.users);
  const door: Door = random.chance(options.httpShare)
    ? { via: "http" }
    : { via: "grpc", wallet: random.chance(0.5) ? 0 : 1 };
  const roll = random.next();
  const startedAtMs = Date.now();
  if (roll < 0.6) {
    const request: WriteRequest =
      roll < 0.3
        ? {
            kind: "charge",
            userId,
            amount: BigInt(random.int(1, 5_000)),
            key: ctx.newKey(`load${worker}`),
            releaseAtMs: random.chance(0.25) ? Date.now() + random.int(500, 8_000) : undefined,
          }
        : {
            kind: "withdrawal",
            userId,
            amount: BigInt(random.int(1, 3_000)),
            key: ctx.newKey(`load${worker}`),
          };
    const outcome = await ctx.driver.write(request, door, options.report);
    if (outcome.kind === "acked") {
      recentIds.push(outcome.tx.id);
      if (recentIds.length > 200) recentIds.shift();
    }
    options.onAnswer?.({
      op: request.kind === "charge" ? "charge" : "withdraw",
      door: door.via,
      code: outcome.kind === "acked" ? "OK" : outcome.code,
      startedAtMs,
      latencyMs: Date.now() - startedAtMs,
    });
    return outcome.kind === "unknown";
  }
  const code = await read(ctx, door, userId, random, recentIds, options.report);
  options.onAnswer?.({
    op: "read",
    door: door.via,
    code,
    startedAtMs,
    latencyMs: Date.now() - startedAtMs,
  });
  return code !== "OK" && code !== "HTTP_200" && code !== "HTTP_404";
}

/** One read of a random kind; returns the answer's code and flags an INTERNAL/500. */
async function read(
  ctx: SuiteContext,
  door: Door,
  userId: bigint,
  random: Random,
  recentIds: readonly string[],
  report: ScenarioReport,
): Promise<string> {
  report.operationsSent += 1;
  const id = recentIds.length > 0 ? random.pick(recentIds) : undefined;
  const which = random.int(0, 2);
  if (door.via === "http") {
    const path =
      which === 0 || id === undefined
        ? `/balance?user_id=${userId}`
        : which === 1
          ? `/transactions/${id}`
          : `/transactions?user_id=${userId}&page=${random.int(1, 3)}&limit=${random.int(1, 50)}`;
    const answer = await requestJson(ctx.system.gatewayUrl, {
      method: "GET",
      path,
      timeoutMs: 5_000,
    });
    if (answer.kind === "failed") return "HTTP_TRANSPORT";
    if (answer.status >= 500 && answer.status !== 503 && answer.status !== 504) {
      addViolation(
        report,
        "internal error",
        `GET ${path} answered ${answer.status} ${answer.text.slice(0, 200)}`,
      );
    }
    return `HTTP_${answer.status}`;
  }
  const client = ctx.driver.clients[door.wallet];
  try {
    if (which === 0 || id === undefined) await client.getBalance({ userId });
    else if (which === 1) await client.getTransaction({ id });
    else await client.listTransactions({ userId, pageSize: random.int(1, 100), pageToken: "" });
    return "OK";
  } catch (err) {
    if (!isServiceError(err)) return "CLIENT_ERROR";
    if (internalCodes.has(err.code))
      addViolation(
        report,
        "internal error",
        `read ${which} of user ${userId}: ${grpcCodeName(err.code)} ${err.details}`,
      );
    return err.code === status.OK ? "OK" : grpcCodeName(err.code);
  }
}
