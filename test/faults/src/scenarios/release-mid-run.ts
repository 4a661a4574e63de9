/**
 * Scenario 3c: a locked charge whose release_at falls in the middle of a run of withdrawals and
 * balance reads. Before the release every withdrawal must be refused and every read must show the
 * amount locked; from the release instant on (DESIGN.md: "one millisecond later") the amount is
 * available, whether or not any background job ran. Judged on the wallet's own clock: a
 * withdrawal's created_at and a read's as_of.
 */
import { sleep } from "@wallet/test-kit";
import { setBankBehaviour } from "@wallet/test-kit";
import { verifyScenario } from "../checks/verify-scenario.js";
import type { Door } from "../clients/wallet-driver.js";
import { baselineBankBehaviour } from "../infra/fault-system.js";
import { addViolation, newScenarioReport, type ScenarioReport } from "../report/scenario-report.js";
import type { SuiteContext } from "../suite-context.js";
import { scenarioUsers } from "./fund-users.js";

const chargeMinor = 1_000n;
const withdrawalMinor = 100n;
/** The run starts this long before the release and ends this long after it. */
const aroundMs = 800;
/** Allowance for the client's clock reading against the database's, on the same machine. */
const clockSlackMs = 5;

export async function releaseMidRun(ctx: SuiteContext): Promise<ScenarioReport> {
  const report = newScenarioReport("3c release mid-run");
  const users = scenarioUsers(33, ctx.settings.releaseUsers);
  // A refund would change `available` behind the model's back mid-run; the bank pays everything here.
  await setBankBehaviour(ctx.system.bankUrl, {
    ...baselineBankBehaviour,
    reject_rate: 0,
    error_rate: 0,
  });
  let releasesChecked = 0;
  try {
    await Promise.all(
      users.map(async (userId, u) => {
        const releaseAtMs = Date.now() + 1_500 + u * 137;
        const charge = await ctx.driver.write(
          { kind: "charge", userId, amount: chargeMinor, key: ctx.newKey("locked"), releaseAtMs },
          { via: "grpc", wallet: 0 },
          report,
        );
        if (charge.kind !== "acked") {
          report.notes.push(
            `user ${userId}: the locked charge was not acknowledged (${charge.kind}); skipped`,
          );
          return;
        }
        await runAroundRelease(ctx, report, userId, charge.tx.releaseAtMs ?? releaseAtMs, u);
        releasesChecked += 1;
      }),
    );
  } finally {
    await setBankBehaviour(ctx.system.bankUrl, baselineBankBehaviour);
  }
  report.faultsInjected = releasesChecked;
  report.notes.push(
    `${releasesChecked} locked charges released in the middle of a run of withdrawals and reads`,
  );
  await verifyScenario(ctx, report, {
    reconcileTimeoutMs: 30_000,
    settleTimeoutMs: ctx.settings.settleTimeoutMs,
  });
  return report;
}

async function runAroundRelease(
  ctx: SuiteContext,
  report: ScenarioReport,
  userId: bigint,
  releaseAtMs: number,
  u: number,
): Promise<void> {
  await sleep(Math.max(0, releaseAtMs - aroundMs - Date.now()));
  let spent = 0n;
  const doors: Door[] = [{ via: "grpc", wallet: 0 }, { via: "grpc", wallet: 1 }, { via: "http" }];
  for (let step = 0; Date.now() < releaseAtMs + aroundMs && step < 200; step++) {
    const sentAtMs = Date.now();
    const outcome = await ctx.driver.write(
      { kind: "withdrawal", userId, amount: withdrawalMinor, key: ctx.newKey("mid") },
      doors[(u + step) % doors.length]!,
      report,
    );
    if (outcome.kind === "acked") {
      spent += withdrawalMinor;
      const createdAtMs = outcome.tx.createdAtMs;
      if (createdAtMs !== undefined && createdAtMs < releaseAtMs) {
        addViolation(
          report,
          "release timing wrong",
          `user ${userId}: a withdrawal was accepted at ${iso(createdAtMs)}, before the release at ${iso(releaseAtMs)}`,
        );
      }
    } else if (
      outcome.kind === "refused" &&
      outcome.code === "INSUFFICIENT_FUNDS" &&
      sentAtMs >= releaseAtMs + clockSlackMs &&
      spent + withdrawalMinor <= chargeMinor
    ) {
      addViolation(
        report,
        "release timing wrong",
        `user ${userId}: a withdrawal sent ${sentAtMs - releaseAtMs} ms after the release was refused for insufficient funds (${spent} of ${chargeMinor} spent)`,
      );
    }
    await checkRead(ctx, report, userId, releaseAtMs);
    await sleep(15);
  }
}

/** A read must show the charge locked exactly while as_of is before the release. */
async function checkRead(
  ctx: SuiteContext,
  report: ScenarioReport,
  userId: bigint,
  releaseAtMs: number,
): Promise<void> {
  report.operationsSent += 1;
  const { balance } = await ctx.driver.clients[1]
    .getBalance({ userId })
    .catch(() => ({ balance: undefined }));
  if (!balance?.asOf) return;
  const asOfMs = Number(balance.asOf.seconds) * 1000 + balance.asOf.nanos / 1e6;
  const lockedNow = asOfMs < releaseAtMs;
  if (lockedNow !== (balance.locked === chargeMinor)) {
    addViolation(
      report,
      "release timing wrong",
      `user ${userId}: read as of ${iso(asOfMs)} (release ${iso(releaseAtMs)}) shows locked ${balance.locked}, available ${balance.available}`,
    );
  }
}

const iso = (ms: number) => new Date(ms).toISOString();
