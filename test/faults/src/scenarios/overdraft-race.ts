/**
 * Scenario 3a: many concurrent withdrawals over ten users with small balances, through both
 * wallets and the gateway at once. Whatever the interleaving, the withdrawals a user got
 * acknowledged (and the bank did not refuse) can never add up to more than was charged.
 */
import { verifyScenario } from "../checks/verify-scenario.js";
import type { Door } from "../clients/wallet-driver.js";
import { addViolation, newScenarioReport, type ScenarioReport } from "../report/scenario-report.js";
import type { SuiteContext } from "../suite-context.js";
import { fundUsers, scenarioUsers } from "./fund-users.js";

/** Each user's opening balance: room for about twenty withdrawals of the sizes below. */
const balanceMinor = 200n;
const fullRaceWithdrawals = 10_000;
/** Thousands of requests at once queue on two cores; a long deadline keeps most answers definite. */
const raceTimeoutMs = 30_000;

export async function overdraftRace(ctx: SuiteContext): Promise<ScenarioReport> {
  const report = newScenarioReport("3a overdraft race");
  const random = ctx.random.fork();
  const users = scenarioUsers(31, 10);
  await fundUsers(ctx, report, users, balanceMinor);
  const count = ctx.settings.raceWithdrawals;
  if (count < fullRaceWithdrawals)
    report.notes.push(
      `scaled down for --ci: ${count} concurrent withdrawals instead of ${fullRaceWithdrawals}`,
    );

  const doors: Door[] = [{ via: "grpc", wallet: 0 }, { via: "grpc", wallet: 1 }, { via: "http" }];
  const outcomes = await Promise.all(
    Array.from({ length: count }, (_, i) =>
      ctx.driver.write(
        {
          kind: "withdrawal",
          userId: users[i % users.length]!,
          amount: BigInt(random.int(5, 15)),
          key: ctx.newKey("race"),
        },
        // Two in five through each wallet, one in five through the gateway.
        doors[i % 5 < 2 ? 0 : i % 5 < 4 ? 1 : 2]!,
        report,
        raceTimeoutMs,
      ),
    ),
  );
  report.faultsInjected = count;
  const tally = new Map<string, number>();
  for (const outcome of outcomes) {
    const key =
      outcome.kind === "acked"
        ? "accepted"
        : outcome.kind === "unknown"
          ? `${outcome.code} (${outcome.message.slice(0, 60)})`
          : outcome.code;
    tally.set(key, (tally.get(key) ?? 0) + 1);
  }
  report.notes.push(`answers: ${JSON.stringify(Object.fromEntries(tally))}`);

  await verifyScenario(ctx, report, {
    reconcileTimeoutMs: 30_000,
    settleTimeoutMs: ctx.settings.settleTimeoutMs,
  });
  for (const userId of users) {
    const kept = ctx.model
      .withdrawals()
      .filter((w) => w.userId === userId && w.status !== "failed")
      .reduce((sum, w) => sum + w.amount, 0n);
    if (kept > balanceMinor)
      addViolation(
        report,
        "overdraft",
        `user ${userId} was charged ${balanceMinor} but withdrew ${kept}`,
      );
  }
  return report;
}
