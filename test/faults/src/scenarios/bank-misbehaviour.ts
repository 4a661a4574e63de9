/**
 * Scenario 2c: the bank turns slow, then flaky (5xx), then hanging, then loses its answers after
 * paying. Withdrawals sent through each phase must end exactly once: paid once and completed, or
 * refused and refunded, never paid twice and never refunded after a payment. An unknown outcome
 * (timeout, reset, 5xx) must be retried with the same key, not refunded on a guess.
 */
import { sleep, waitFor } from "@wallet/test-kit";
import { bankPayouts, setBankBehaviour, type BankBehaviour } from "@wallet/test-kit";
import { verifyScenario } from "../checks/verify-scenario.js";
import { mapLimit } from "../clients/wallet-driver.js";
import { baselineBankBehaviour } from "../infra/fault-system.js";
import { newScenarioReport, type ScenarioReport } from "../report/scenario-report.js";
import type { SuiteContext } from "../suite-context.js";
import { fundUsers, scenarioUsers } from "./fund-users.js";

const phases: readonly { name: string; behaviour: BankBehaviour }[] = [
  { name: "slow", behaviour: { latency_ms_min: 300, latency_ms_max: 1_200 } },
  { name: "erroring", behaviour: { error_rate: 0.5, reject_rate: 0.1 } },
  { name: "hanging", behaviour: { hang_rate: 0.3, error_rate: 0, reject_rate: 0.1 } },
  {
    name: "losing answers after paying",
    behaviour: { lost_response_rate: 0.4, hang_rate: 0, error_rate: 0, reject_rate: 0.1 },
  },
];

/** How long each phase's withdrawals may take to settle while the bank still misbehaves. */
const phaseSettleMs = 8_000;

export async function bankMisbehaviour(ctx: SuiteContext): Promise<ScenarioReport> {
  const report = newScenarioReport("2c bank misbehaviour");
  const random = ctx.random.fork();
  const users = scenarioUsers(22, 20);
  await fundUsers(ctx, report, users, 1_000_000n);
  const requestsBefore = await totalBankRequests(ctx);
  const settledInPhase: string[] = [];
  try {
    for (const phase of phases) {
      await setBankBehaviour(ctx.system.bankUrl, { ...baselineBankBehaviour, ...phase.behaviour });
      report.faultsInjected += 1;
      const keys = Array.from({ length: ctx.settings.bankPhaseWithdrawals }, () =>
        ctx.newKey(`bank-${phase.name.split(" ")[0]}`),
      );
      await mapLimit(keys, 4, async (key) => {
        const door = random.chance(0.3)
          ? ({ via: "http" } as const)
          : ({ via: "grpc", wallet: random.chance(0.5) ? 0 : 1 } as const);
        await ctx.driver.write(
          {
            kind: "withdrawal",
            userId: random.pick(users),
            amount: BigInt(random.int(1, 500)),
            key,
          },
          door,
          report,
        );
        await sleep(random.int(0, 40));
      });
      // Settling under the bad behaviour is the point: retries, timeouts and replays happen here.
      const settled = await waitFor(
        "the phase's withdrawals to settle",
        async () => ((await ctx.probe.unsettledWithdrawals()) === 0 ? true : undefined),
        {
          timeoutMs: phaseSettleMs,
          intervalMs: 200,
        },
      ).then(
        () => "all settled",
        async () => `${await ctx.probe.unsettledWithdrawals()} still unsettled`,
      );
      settledInPhase.push(`${phase.name}: ${settled} (waited up to ${phaseSettleMs / 1000} s)`);
    }
  } finally {
    await setBankBehaviour(ctx.system.bankUrl, baselineBankBehaviour);
  }
  const extraRequests = (await totalBankRequests(ctx)) - requestsBefore;
  report.notes.push(`bank phases: ${settledInPhase.join("; ")}`);
  report.notes.push(
    `the bank received ${extraRequests} payout requests for these withdrawals (retries and replays included)`,
  );
  await verifyScenario(ctx, report, {
    reconcileTimeoutMs: 30_000,
    settleTimeoutMs: ctx.settings.settleTimeoutMs,
  });
  return report;
}

async function totalBankRequests(ctx: SuiteContext): Promise<number> {
  return (await bankPayouts(ctx.system.bankUrl)).reduce((sum, p) => sum + p.requests, 0);
}
