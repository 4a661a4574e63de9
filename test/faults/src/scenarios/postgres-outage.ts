/**
 * Scenario 2a: PostgreSQL stops (fast shutdown) for a few seconds under load, twice. While it is
 * down every request must fail fast with UNAVAILABLE / 503 (never INTERNAL / 500, never hang to its
 * deadline); once it is back the same processes must serve again without being restarted.
 */
import { sleep } from "@wallet/test-kit";
import { verifyScenario } from "../checks/verify-scenario.js";
import { serviceNames, type ServiceName } from "../infra/fault-system.js";
import { addViolation, newScenarioReport, type ScenarioReport } from "../report/scenario-report.js";
import type { SuiteContext } from "../suite-context.js";
import { fundUsers, scenarioUsers } from "./fund-users.js";
import { startMixedLoad, type Answer } from "./mixed-load.js";

/** An answer slower than this during an outage did not fail fast (the load's deadline is 5 s). */
const failFastMs = 3_000;
/** How long the services may take to serve again once PostgreSQL is back. */
const recoveryTimeoutMs = 30_000;
/** Answers that say "unavailable, try again": the right answer while the database is down. */
const outageCodes = new Set([
  "UNAVAILABLE",
  "DEPENDENCY_UNAVAILABLE",
  "RESOURCE_EXHAUSTED",
  "WITHDRAWAL_BACKLOG_FULL",
  "HTTP_503",
]);

/** Answers that mean the request hung until the client gave up. */
const hangCodes = new Set(["DEADLINE_EXCEEDED", "CANCELLED", "HTTP_TRANSPORT"]);

export async function postgresOutage(ctx: SuiteContext): Promise<ScenarioReport> {
  const report = newScenarioReport("2a PostgreSQL outages");
  const random = ctx.random.fork();
  const users = scenarioUsers(2, 40);
  await fundUsers(ctx, report, users, 1_000_000n);
  const pids = new Map<ServiceName, number | undefined>(
    serviceNames.map((name) => [name, ctx.system.process(name)?.child.pid]),
  );

  const recoveries: string[] = [];
  let outageAnswers = 0;
  for (let outage = 0; outage < ctx.settings.postgresOutages; outage++) {
    const answers: Answer[] = [];
    const load = startMixedLoad(ctx, {
      users,
      concurrency: 6,
      random: random.fork(),
      report,
      httpShare: 0.3,
      onAnswer: (a) => answers.push(a),
    });
    let downFrom = 0;
    let downUntil = 0;
    try {
      await sleep(1_000);
      await ctx.postgres.stop();
      report.faultsInjected += 1;
      // Judged only while the server is certainly gone: from its exit to the start of its restart.
      downFrom = Date.now();
      await sleep(ctx.settings.postgresOutageMs);
      downUntil = Date.now();
      await ctx.postgres.start();
      const died = reviveTheDead(ctx, report, pids);
      if (died.length > 0) await Promise.all(died.map((name) => ctx.system.start(name)));
      const recoveredAfterMs = await waitForRecovery(ctx, report);
      recoveries.push(
        recoveredAfterMs === undefined
          ? "never"
          : `${recoveredAfterMs} ms${died.length > 0 ? ` (after restarting ${died.join(", ")})` : ""}`,
      );
      for (const name of died) pids.set(name, ctx.system.process(name)?.child.pid);
      await sleep(500);
    } finally {
      await load.stop();
    }
    // Only requests sent and answered while the server was down: those around the edges may legitimately succeed.
    const during = answers.filter(
      (a) => a.startedAtMs >= downFrom && a.startedAtMs + a.latencyMs <= downUntil,
    );
    outageAnswers += during.length;
    for (const answer of during) {
      if (answer.code === "OK" || answer.code === "HTTP_200") {
        // A read served from nowhere would be odd but is not a money fault; writes cannot succeed.
        if (answer.op !== "read")
          addViolation(
            report,
            "wrong status",
            `${answer.op} via ${answer.door} succeeded while PostgreSQL was down`,
          );
        continue;
      }
      if (hangCodes.has(answer.code)) {
        addViolation(
          report,
          "did not fail fast",
          `${answer.op} via ${answer.door} during the outage: ${answer.code} after ${answer.latencyMs} ms`,
        );
      } else if (!outageCodes.has(answer.code)) {
        addViolation(
          report,
          answer.code.includes("INTERNAL") || answer.code === "HTTP_500"
            ? "internal error"
            : "wrong status",
          `${answer.op} via ${answer.door} during the outage answered ${answer.code} after ${answer.latencyMs} ms`,
        );
      } else if (answer.latencyMs > failFastMs) {
        addViolation(
          report,
          "did not fail fast",
          `${answer.op} via ${answer.door} took ${answer.latencyMs} ms to answer ${answer.code}`,
        );
      }
    }
  }
  report.notes.push(
    `${outageAnswers} answers during ${ctx.settings.postgresOutages} outages of ${ctx.settings.postgresOutageMs} ms; back to serving ${recoveries.join("; ")} after each restart of PostgreSQL`,
  );
  await verifyScenario(ctx, report, {
    reconcileTimeoutMs: 30_000,
    settleTimeoutMs: ctx.settings.settleTimeoutMs,
  });
  return report;
}

/**
 * Every service must have lived through the outage: the design asks for recovery without a
 * restart. Returns the ones that died (each reported once, with its stderr) so they can be
 * restarted and the next outage still tests something.
 */
function reviveTheDead(
  ctx: SuiteContext,
  report: ScenarioReport,
  pids: Map<ServiceName, number | undefined>,
): ServiceName[] {
  const died: ServiceName[] = [];
  for (const [name, pid] of pids) {
    if (ctx.system.alive(name) && ctx.system.process(name)?.child.pid === pid) continue;
    died.push(name);
    addViolation(
      report,
      "process died",
      `${name} exited during the PostgreSQL outage (it must recover without a restart); its stderr: ${ctx.system.stderrTail(name).slice(0, 600) || "(empty)"}`,
    );
  }
  return died;
}

/** Polls a charge through each door until all three serve again; the time it took, or undefined. */
async function waitForRecovery(
  ctx: SuiteContext,
  report: ScenarioReport,
): Promise<number | undefined> {
  const started = Date.now();
  const doors = [{ via: "grpc", wallet: 0 }, { via: "grpc", wallet: 1 }, { via: "http" }] as const;
  const recovered = new Set<number>();
  while (recovered.size < doors.length && Date.now() - started < recoveryTimeoutMs) {
    await Promise.all(
      doors.map(async (door, i) => {
        if (recovered.has(i)) return;
        const outcome = await ctx.driver.write(
          { kind: "charge", userId: 2_999_999n, amount: 1n, key: ctx.newKey("probe") },
          door,
          report,
        );
        if (outcome.kind === "acked") recovered.add(i);
      }),
    );
    if (recovered.size < doors.length) await sleep(200);
  }
  if (recovered.size < doors.length) {
    const failing = ["wallet-0", "wallet-1", "gateway"].filter((_, i) => !recovered.has(i));
    addViolation(
      report,
      "did not recover",
      `${failing.join(", ")} still failing ${recoveryTimeoutMs} ms after PostgreSQL came back`,
    );
    return undefined;
  }
  return Date.now() - started;
}
