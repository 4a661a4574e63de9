/**
 * Scenario 4d: hostile HTTP/2 spoken raw on loopback to the wallet's gRPC port (grpc-js on
 * node:http2), one case at a time (hostile-http2-cases.ts), against wallet-1 restarted with a
 * short connection idle bound so the idle cases can prove it within their time. During every
 * case the wallet must stay alive, its RSS within +256 MiB of where the scenario found it, and a
 * legitimate client on its own connection must keep getting GetBalance and health answers within
 * 1 s; a malformed request must never be served as a call, and an idle connection must be closed.
 * Last, 64 concurrent health checkers for 10 s: not one failure.
 */
import { monitorEventLoopDelay } from "node:perf_hooks";
import { Client, credentials } from "@grpc/grpc-js";
import { connectRawClient, type RawClient } from "@wallet/http2-raw";
import { GetBalanceRequest } from "@wallet/proto";
import { sleep } from "@wallet/test-kit";
import { verifyScenario } from "../checks/verify-scenario.js";
import { checkHealth } from "../clients/health-check.js";
import { createLegitCaller, type LegitCaller } from "../clients/legit-caller.js";
import { grpcCodeName, isServiceError } from "../clients/write-outcome.js";
import type { ServiceName } from "../infra/fault-system.js";
import { residentBytes, sampleResidentSet } from "../infra/process-memory.js";
import { addViolation, newScenarioReport, type ScenarioReport } from "../report/scenario-report.js";
import type { SuiteContext } from "../suite-context.js";
import { fundUsers, scenarioUsers } from "./fund-users.js";
import {
  count,
  http2Cases,
  idleCloseBoundMs,
  messagePrefix,
  type CaseContext,
  type CaseResult,
  type Http2Case,
} from "./hostile-http2-cases.js";

const target: ServiceName = "wallet-1";
/** The health service name the wallet registers (and the gateway checks). */
const walletServiceName = "wallet.v1.WalletService";
/** The lowest WALLET_GRPC_CONNECTION_IDLE_MS the wallet accepts: the idle cases wait about this long. */
const connectionIdleMs = 1_000;
const rssGrowthBytesMax = 256 * 1024 * 1024;
const legitLatencyMsMax = 1_000;
/** Deadline of the legitimate calls: past the bound, so a slow answer shows how slow. */
const legitDeadlineMs = 3_000;
const rssSampleMs = 50;
/** The legitimate caller goes on this long after each attack: harm that lingers counts too. */
const afterCaseMs = 500;
/** A case still running this long past its own bound is a bug of the suite: it is abandoned. */
const caseOverrunMs = 15_000;
const healthCallers = 64;
/** How long a restarted wallet may take to answer SERVING. */
const servingTimeoutMs = 15_000;

interface MeasuredResult extends CaseResult {
  /** What the case sent, for the table. */
  sent: string;
  framesSent: number;
  /** The case's own calls that failed (the concurrent health checkers). */
  failed?: string;
}

export async function hostileHttp2(ctx: SuiteContext): Promise<ScenarioReport> {
  const report = newScenarioReport("4d hostile HTTP/2");
  const sizes = ctx.settings.http2;
  const [userId] = scenarioUsers(44, 1) as [bigint];
  await fundUsers(ctx, report, [userId], 1_000n);
  await ctx.system.restartWith(target, {
    WALLET_GRPC_CONNECTION_IDLE_MS: String(connectionIdleMs),
  });
  const address = ctx.system.walletAddresses[1];
  const port = Number(address.slice(address.lastIndexOf(":") + 1));
  const legit = createLegitCaller({
    address,
    userId,
    service: walletServiceName,
    latencyMsMax: legitLatencyMsMax,
    deadlineMs: legitDeadlineMs,
    pauseMs: 10,
  });
  const message = GetBalanceRequest.encode({ userId }).finish();
  const balanceMessage = Buffer.concat([messagePrefix(message.length), message]);
  const rows: string[][] = [];
  try {
    await legit.warmUp(servingTimeoutMs);
    const measure = createMeasure(ctx, report, legit);
    report.notes.push(
      `${target} restarted with WALLET_GRPC_CONNECTION_IDLE_MS=${connectionIdleMs}, RSS ${mib(measure.baselineBytes())} MiB; each flood bounded to ${count(sizes.caseMs)} ms and ${mib(sizes.caseBytesMax)} MiB`,
    );
    for (const hostile of http2Cases(port)) {
      rows.push(
        await measure(
          hostile.name,
          () => runRawCase(hostile, { port, sizes, balanceMessage, connectionIdleMs }),
          hostile.residualRisk,
        ),
      );
    }
    // Normal load, not an attack: judged on its failures, and on latency, not on memory.
    rows.push(
      await measure(
        `${healthCallers} concurrent health checkers`,
        () => concurrentHealthCheckers(address, sizes.healthCallersMs),
        undefined,
        { hostile: false },
      ),
    );
  } finally {
    legit.close();
    await ctx.system.restartWith(target, {});
  }
  report.tables.push({
    title: `hostile HTTP/2 cases against ${target} (RSS bound +${mib(rssGrowthBytesMax)} MiB, legitimate calls within ${legitLatencyMsMax} ms)`,
    headers: [
      "case",
      "sent",
      "outcome",
      "RSS before → peak (MiB)",
      "legit calls ok",
      "worst latency",
    ],
    rows,
    numericColumns: new Set([1, 3, 4, 5]),
  });
  await verifyScenario(ctx, report, {
    reconcileTimeoutMs: 30_000,
    settleTimeoutMs: ctx.settings.settleTimeoutMs,
  });
  return report;
}

const mib = (bytes: number | undefined) =>
  bytes === undefined ? "?" : (bytes / (1024 * 1024)).toFixed(0);

/**
 * Runs one case while sampling the wallet's RSS and keeping the legitimate caller busy, judges
 * what happened, and returns the case's table row.
 */
function createMeasure(ctx: SuiteContext, report: ScenarioReport, legit: LegitCaller) {
  let baselineBytes = residentBytes(ctx.system.pid(target) ?? 0);
  let largestGrowth = { name: "", bytes: 0 };
  let memoryReported = false;
  const measure = async (
    name: string,
    attack: () => Promise<MeasuredResult>,
    residualRisk?: Http2Case["residualRisk"],
    { hostile = true }: { hostile?: boolean } = {},
  ): Promise<string[]> => {
    const pid = ctx.system.pid(target);
    if (pid === undefined) throw new Error(`${target} is not running before "${name}"`);
    const memory = sampleResidentSet(pid, rssSampleMs);
    // The attacker shares this process with the legitimate caller: its own stalls are told apart from the wallet's.
    const ownDelay = monitorEventLoopDelay({ resolution: 10 });
    ownDelay.enable();
    const calls = legit.start();
    let result: MeasuredResult;
    try {
      result = await attack();
    } catch (err) {
      result = {
        outcome: `the case could not run: ${err instanceof Error ? err.message : String(err)}`,
        sent: "-",
        framesSent: 0,
      };
      report.notes.push(`${name}: ${result.outcome}`);
    }
    await sleep(afterCaseMs);
    const tally = await calls.stop();
    const rss = memory.stop();
    ownDelay.disable();
    const growthBytes = (rss.peakBytes ?? 0) - (rss.beforeBytes ?? 0);
    if (growthBytes > largestGrowth.bytes) largestGrowth = { name, bytes: growthBytes };
    report.operationsSent += tally.total;
    report.faultsInjected += result.framesSent;

    if (!ctx.system.alive(target)) {
      addViolation(
        report,
        "process died",
        `${name}: ${target} exited; its stderr: ${ctx.system.stderrTail(target).slice(0, 600) || "(empty)"}`,
      );
      await ctx.system.start(target);
      await legit.warmUp(servingTimeoutMs);
      baselineBytes = residentBytes(ctx.system.pid(target) ?? 0);
    } else if (
      hostile &&
      !memoryReported &&
      rss.peakBytes !== undefined &&
      baselineBytes !== undefined &&
      rss.peakBytes - baselineBytes > rssGrowthBytesMax
    ) {
      // Once: V8 keeps the heap it grew, so every later case would cross the bound again.
      memoryReported = true;
      addViolation(
        report,
        "memory bound broken",
        `${name}: RSS ${mib(baselineBytes)} MiB when the scenario started, ${mib(rss.peakBytes)} MiB at this case's peak (+${mib(growthBytes)} in this case; the most one case added: +${mib(largestGrowth.bytes)} MiB, "${largestGrowth.name}")`,
      );
    }
    if (tally.ok < tally.total)
      addViolation(
        report,
        "legit call failed",
        `${name}: ${tally.total - tally.ok} of ${tally.total} failed: ${tally.failures.join("; ")}`,
      );
    const latencyMsMax = residualRisk?.legitLatencyMsMax ?? legitLatencyMsMax;
    if (tally.worstMs > latencyMsMax) {
      const ownDelayMs = Math.round(ownDelay.max / 1e6);
      addViolation(
        report,
        "legit call slow",
        `${name}: ${tally.slow} answers slower than ${legitLatencyMsMax} ms, the worst ${Math.round(tally.worstMs)} ms against this case's bound of ${latencyMsMax} ms (the suite's own event loop lagged at most ${ownDelayMs} ms)`,
      );
    }
    if (result.served)
      addViolation(report, "malformed request served", `${name}: ${result.served}`);
    if (result.unanswered)
      addViolation(report, "malformed request unanswered", `${name}: ${result.unanswered}`);
    if (result.keptOpen)
      addViolation(
        report,
        "idle connection kept open",
        `${name}: ${result.keptOpen} still open ${idleCloseBoundMs(connectionIdleMs)} ms after they went quiet`,
      );
    if (result.failed) addViolation(report, "legit call failed", `${name}: ${result.failed}`);
    const rssText = `${mib(rss.beforeBytes)} → ${mib(rss.peakBytes)}`;
    const outcome = residualRisk
      ? `${result.outcome} (residual risk, legitimate calls bounded at ${count(latencyMsMax)} ms: ${residualRisk.why})`
      : result.outcome;
    return [
      name,
      result.sent,
      outcome,
      rssText,
      `${count(tally.ok)}/${count(tally.total)}`,
      `${count(Math.round(tally.worstMs))} ms`,
    ];
  };
  return Object.assign(measure, { baselineBytes: () => baselineBytes });
}

/** Runs a raw case on connections it opens through its context, and closes every one of them after. */
async function runRawCase(
  hostile: Http2Case,
  options: Pick<CaseContext, "port" | "sizes" | "balanceMessage" | "connectionIdleMs">,
): Promise<MeasuredResult> {
  const clients: RawClient[] = [];
  const deadline = Date.now() + options.sizes.caseMs;
  const ctx: CaseContext = {
    ...options,
    deadline,
    async connect(connectOptions) {
      const client = await connectRawClient(options.port, {
        framesKeptMax: 2_000,
        ...connectOptions,
      });
      clients.push(client);
      return client;
    },
    bytesSent: () => clients.reduce((sum, c) => sum + c.bytesSent, 0),
  };
  let overrun: NodeJS.Timeout | undefined;
  try {
    const result = await Promise.race([
      hostile.run(ctx),
      new Promise<never>((_, reject) => {
        overrun = setTimeout(
          () => reject(new Error(`still running ${caseOverrunMs} ms past its bound`)),
          deadline - Date.now() + caseOverrunMs,
        );
      }),
    ]);
    const framesSent = clients.reduce((sum, c) => sum + c.framesSent, 0);
    return {
      ...result,
      framesSent,
      sent: `${count(framesSent)} frames, ${bytesText(ctx.bytesSent())}`,
    };
  } finally {
    clearTimeout(overrun);
    for (const client of clients) client.close();
  }
}

const bytesText = (bytes: number) =>
  bytes >= 1024 * 1024
    ? `${(bytes / (1024 * 1024)).toFixed(1)} MiB`
    : `${(bytes / 1024).toFixed(1)} KiB`;

/** `healthCallers` callers, each on its own connection, checking health back to back for `durationMs`; each check must answer SERVING within 1 s. */
async function concurrentHealthCheckers(
  address: string,
  durationMs: number,
): Promise<MeasuredResult> {
  const clients = Array.from(
    { length: healthCallers },
    () =>
      new Client(address, credentials.createInsecure(), { "grpc.use_local_subchannel_pool": 1 }),
  );
  const stopAt = Date.now() + durationMs;
  let total = 0;
  let ok = 0;
  let worstMs = 0;
  const failures: string[] = [];
  try {
    await Promise.all(
      clients.map(async (client) => {
        while (Date.now() < stopAt) {
          const started = performance.now();
          let failure: string | undefined;
          try {
            if (!(await checkHealth(client, walletServiceName, legitLatencyMsMax)))
              failure = "not SERVING";
          } catch (err) {
            failure = isServiceError(err) ? grpcCodeName(err.code) : String(err);
          }
          const ms = performance.now() - started;
          total += 1;
          worstMs = Math.max(worstMs, ms);
          if (failure === undefined) ok += 1;
          else if (failures.length < 5) failures.push(`${failure} after ${Math.round(ms)} ms`);
        }
      }),
    );
  } finally {
    for (const client of clients) client.close();
  }
  return {
    outcome: `${count(ok)}/${count(total)} SERVING within ${legitLatencyMsMax} ms, worst ${count(Math.round(worstMs))} ms`,
    sent: `${count(total)} checks over ${count(durationMs)} ms`,
    framesSent: 0,
    failed:
      ok < total
        ? `${total - ok} of ${total} health checks failed: ${failures.join("; ")}`
        : undefined,
  };
}
