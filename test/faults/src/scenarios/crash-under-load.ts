/**
 * Scenario 1: kill -9 each process in turn under mixed load, at random moments, and restart it.
 * The rotation is wallet (alternating the two instances), settlement, gateway, bank-sim. A
 * process is only killed again once its previous restart finished, so every kill hits a live,
 * ready process; restarts run in the background while the load and the next kills go on.
 */
import { sleep } from "@wallet/test-kit";
import { verifyScenario } from "../checks/verify-scenario.js";
import type { ServiceName } from "../infra/fault-system.js";
import { addViolation, newScenarioReport, type ScenarioReport } from "../report/scenario-report.js";
import type { SuiteContext } from "../suite-context.js";
import { fundUsers, scenarioUsers } from "./fund-users.js";
import { startMixedLoad } from "./mixed-load.js";

const rotation: readonly ServiceName[][] = [
  ["wallet-0", "wallet-1"],
  ["settlement"],
  ["gateway"],
  ["bank-sim"],
];

export async function crashUnderLoad(ctx: SuiteContext): Promise<ScenarioReport> {
  const report = newScenarioReport("1 kill -9 under load");
  const random = ctx.random.fork();
  const users = scenarioUsers(1, ctx.settings.loadUsers);
  await fundUsers(ctx, report, users, 1_000_000n);

  const faultPhaseStarted = Date.now();
  const load = startMixedLoad(ctx, {
    users,
    concurrency: ctx.settings.loadConcurrency,
    random: random.fork(),
    report,
    httpShare: 0.3,
  });
  const restarts = new Map<ServiceName, Promise<void>>();
  const killsByService = new Map<ServiceName, number>();
  try {
    for (let kill = 0; kill < ctx.settings.kills; kill++) {
      const group = rotation[kill % rotation.length]!;
      const victim = group[Math.floor(kill / rotation.length) % group.length]!;
      await sleep(random.int(300, 1_500));
      await restarts.get(victim);
      await ctx.system.kill(victim);
      report.faultsInjected += 1;
      killsByService.set(victim, (killsByService.get(victim) ?? 0) + 1);
      const downMs = random.int(100, 800);
      restarts.set(victim, restartAfter(ctx, report, victim, downMs));
    }
    await Promise.all(restarts.values());
    // A little load after the last restart, so the restarted processes serve traffic too.
    await sleep(1_500);
  } finally {
    await load.stop();
  }
  report.notes.push(`kills: ${[...killsByService].map(([name, n]) => `${name} ${n}`).join(", ")}`);
  report.notes.push(
    `under faults for ${((Date.now() - faultPhaseStarted) / 1000).toFixed(1)} s; ${ctx.driver.unknownCount()} writes with an unknown outcome to reconcile`,
  );
  const verifyStarted = Date.now();
  await verifyScenario(ctx, report, {
    reconcileTimeoutMs: 30_000,
    settleTimeoutMs: ctx.settings.settleTimeoutMs,
  });
  report.notes.push(`verified in ${((Date.now() - verifyStarted) / 1000).toFixed(1)} s`);
  return report;
}

async function restartAfter(
  ctx: SuiteContext,
  report: ScenarioReport,
  name: ServiceName,
  downMs: number,
): Promise<void> {
  await sleep(downMs);
  for (let attempt = 1; attempt <= 3; attempt++) {
    try {
      await ctx.system.start(name);
      return;
    } catch (err) {
      if (attempt === 3)
        addViolation(
          report,
          "did not recover",
          `${name} failed to restart three times: ${err instanceof Error ? err.message : String(err)}`,
        );
      await sleep(1_000);
    }
  }
}
