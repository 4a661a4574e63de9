/**
 * Scenario 3b: bursts of the same idempotency key sent several times at once, spread over both
 * wallet instances and the gateway. Exactly one copy may take effect; every other copy must get
 * ALREADY_EXISTS / 409 carrying that same original transaction.
 */
import { verifyScenario } from "../checks/verify-scenario.js";
import { mapLimit, type Door, type WriteRequest } from "../clients/wallet-driver.js";
import { addViolation, newScenarioReport, type ScenarioReport } from "../report/scenario-report.js";
import type { SuiteContext } from "../suite-context.js";
import { fundUsers, scenarioUsers } from "./fund-users.js";

export async function duplicateKeyBursts(ctx: SuiteContext): Promise<ScenarioReport> {
  const report = newScenarioReport("3b duplicate keys");
  const random = ctx.random.fork();
  const users = scenarioUsers(32, 20);
  await fundUsers(ctx, report, users, 1_000_000n);
  const doors: Door[] = [{ via: "grpc", wallet: 0 }, { via: "grpc", wallet: 1 }, { via: "http" }];
  const keys: string[] = [];
  let unresolvedBursts = 0;

  await mapLimit(
    Array.from({ length: ctx.settings.duplicateKeys }, (_, i) => i),
    8,
    async (i) => {
      const key = ctx.newKey("dup");
      keys.push(key);
      const request: WriteRequest =
        i % 2 === 0
          ? {
              kind: "charge",
              userId: random.pick(users),
              amount: BigInt(random.int(1, 1_000)),
              key,
              releaseAtMs: random.chance(0.3) ? Date.now() + 3_000 : undefined,
            }
          : {
              kind: "withdrawal",
              userId: random.pick(users),
              amount: BigInt(random.int(1, 1_000)),
              key,
            };
      const copies = ctx.settings.duplicateCopies;
      const outcomes = await Promise.all(
        Array.from({ length: copies }, (_, c) =>
          ctx.driver.write(request, doors[(i + c) % doors.length]!, report),
        ),
      );
      report.faultsInjected += copies - 1;
      const winners = outcomes.flatMap((o) => (o.kind === "acked" ? [o.tx.id] : []));
      const originals = outcomes.flatMap((o) =>
        o.kind === "duplicate" && o.original ? [o.original.id] : [],
      );
      const ids = new Set([...winners, ...originals]);
      if (winners.length > 1)
        addViolation(
          report,
          "duplicate took effect twice",
          `key ${key}: ${winners.length} copies acknowledged (${winners.join(", ")})`,
        );
      if (ids.size > 1)
        addViolation(
          report,
          "duplicate answered wrongly",
          `key ${key}: answers name ${ids.size} different transactions ${[...ids].join(", ")}`,
        );
      const refused = outcomes
        .filter((o) => o.kind === "refused")
        .map((o) => (o.kind === "refused" ? o.code : ""));
      if (refused.length > 0 && ids.size > 0) {
        addViolation(
          report,
          "duplicate answered wrongly",
          `key ${key}: one copy took effect but others were refused with ${refused.join(", ")}`,
        );
      }
      if (winners.length === 0 && outcomes.some((o) => o.kind === "unknown")) unresolvedBursts += 1;
    },
  );
  report.notes.push(
    `${ctx.settings.duplicateKeys} keys x ${ctx.settings.duplicateCopies} copies across wallet-0, wallet-1 and the gateway; ${unresolvedBursts} bursts left to reconcile`,
  );

  await verifyScenario(ctx, report, {
    reconcileTimeoutMs: 30_000,
    settleTimeoutMs: ctx.settings.settleTimeoutMs,
  });
  for (const line of await ctx.probe.keysUsedMoreThanOnce(keys))
    addViolation(report, "duplicate took effect twice", line);
  return report;
}
