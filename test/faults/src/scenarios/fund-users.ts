/** Gives a scenario's users their opening balances, through gRPC, as acknowledged charges. */
import { mapLimit } from "../clients/wallet-driver.js";
import type { ScenarioReport } from "../report/scenario-report.js";
import type { SuiteContext } from "../suite-context.js";

/** User ids of one scenario: disjoint ranges, so scenarios never share a balance. */
export function scenarioUsers(scenarioNumber: number, count: number): bigint[] {
  return Array.from(
    { length: count },
    (_, i) => BigInt(scenarioNumber) * 1_000_000n + BigInt(i + 1),
  );
}

export async function fundUsers(
  ctx: SuiteContext,
  report: ScenarioReport,
  users: readonly bigint[],
  amount: bigint,
): Promise<void> {
  await mapLimit(users, 16, async (userId, i) => {
    await ctx.driver.write(
      { kind: "charge", userId, amount, key: ctx.newKey("fund") },
      { via: "grpc", wallet: i % 2 === 0 ? 0 : 1 },
      report,
    );
  });
}
