/**
 * Scenario 2b: NATS stops and comes back.
 *
 * First settlement is stopped, so withdrawals sit unacked in the request stream (a work queue
 * drops what is acked), and the stream's state is recorded. Then NATS stops: the wallet must say
 * so on /health, keep accepting withdrawals into its outbox up to the backlog bound exactly, and
 * refuse the rest with RESOURCE_EXHAUSTED. NATS restarts on the same store: the recorded messages
 * must still be there. Settlement restarts and everything must settle.
 */
import { waitFor } from "@wallet/test-kit";
import { requestStreamState } from "../checks/stream-state.js";
import { verifyScenario } from "../checks/verify-scenario.js";
import { withdrawalBacklogMax } from "../infra/fault-system.js";
import { addViolation, newScenarioReport, type ScenarioReport } from "../report/scenario-report.js";
import type { SuiteContext } from "../suite-context.js";
import { fundUsers, scenarioUsers } from "./fund-users.js";

/** Requests sent past the bound, each of which must be refused. */
const pastBound = 10;

export async function natsOutage(ctx: SuiteContext): Promise<ScenarioReport> {
  const report = newScenarioReport("2b NATS outage");
  const users = scenarioUsers(21, 10);
  await fundUsers(ctx, report, users, 1_000_000n);

  await ctx.system.stop("settlement");
  report.faultsInjected += 1;
  try {
    for (let i = 0; i < 20; i++) {
      await ctx.driver.write(
        {
          kind: "withdrawal",
          userId: users[i % users.length]!,
          amount: 10n,
          key: ctx.newKey("queued"),
        },
        { via: "grpc", wallet: 0 },
        report,
      );
    }
    await waitFor(
      "the outbox to drain into JetStream",
      async () => ((await ctx.probe.outboxBacklog()) === 0 ? true : undefined),
      { timeoutMs: 15_000 },
    );
    const before = await requestStreamState(ctx.nats.url, ctx.system.natsPrefix);

    await ctx.nats.stop();
    report.faultsInjected += 1;
    try {
      await expectHealthDown(ctx, report);
      await fillToTheBound(ctx, report, users);
    } finally {
      await ctx.nats.start();
    }

    const after = await waitFor(
      "the request stream to be readable again",
      () => requestStreamState(ctx.nats.url, ctx.system.natsPrefix),
      { timeoutMs: 15_000 },
    ).catch(() => undefined);
    if (!before || before.messages < 20) {
      report.notes.push(
        `the request stream held ${before?.messages ?? "no"} messages before the stop; expected at least 20`,
      );
    }
    if (before && (!after || after.lastSeq < before.lastSeq || after.messages < before.messages)) {
      addViolation(
        report,
        "stream data lost",
        `before the restart ${JSON.stringify(before)}, after ${JSON.stringify(after)}`,
      );
    } else {
      report.notes.push(
        `request stream before the NATS stop ${JSON.stringify(before)}, after the restart ${JSON.stringify(after)}`,
      );
    }
  } finally {
    await ctx.system.start("settlement");
  }
  await verifyScenario(ctx, report, {
    reconcileTimeoutMs: 30_000,
    settleTimeoutMs: ctx.settings.settleTimeoutMs,
  });
  return report;
}

async function expectHealthDown(ctx: SuiteContext, report: ScenarioReport): Promise<void> {
  const url = `http://127.0.0.1:${ctx.system.walletOpsPorts[0]}/health`;
  try {
    await waitFor(
      "the wallet to report NATS down on /health",
      async () => {
        const res = await fetch(url, { signal: AbortSignal.timeout(2_000) });
        const body = (await res.json()) as { dependencies?: { nats?: boolean } };
        return res.status === 503 && body.dependencies?.nats === false ? true : undefined;
      },
      { timeoutMs: 10_000, intervalMs: 100 },
    );
  } catch {
    addViolation(
      report,
      "wrong status",
      "the wallet's /health did not report NATS down within 10 s",
    );
  }
}

/**
 * Sends withdrawals one at a time (so the count is exact) until past the bound. Every one up to
 * the bound must be accepted into the outbox; every one past it refused with RESOURCE_EXHAUSTED.
 */
async function fillToTheBound(
  ctx: SuiteContext,
  report: ScenarioReport,
  users: readonly bigint[],
): Promise<void> {
  const room = withdrawalBacklogMax - (await ctx.probe.pendingWithdrawals());
  let accepted = 0;
  const refusals = new Map<string, number>();
  for (let i = 0; i < room + pastBound; i++) {
    const outcome = await ctx.driver.write(
      {
        kind: "withdrawal",
        userId: users[i % users.length]!,
        amount: 1n,
        key: ctx.newKey("outage"),
      },
      { via: "grpc", wallet: 0 },
      report,
    );
    if (outcome.kind === "acked") accepted += 1;
    else refusals.set(outcome.code, (refusals.get(outcome.code) ?? 0) + 1);
  }
  const refusedAtBound = refusals.get("WITHDRAWAL_BACKLOG_FULL") ?? 0;
  report.notes.push(
    `while NATS was down: ${accepted} withdrawals accepted into the outbox (room was ${room}), refusals ${JSON.stringify(Object.fromEntries(refusals))}`,
  );
  if (accepted > room)
    addViolation(
      report,
      "backlog bound broken",
      `${accepted} withdrawals accepted with room for ${room} (bound ${withdrawalBacklogMax})`,
    );
  if (accepted < room)
    addViolation(
      report,
      "wrong status",
      `only ${accepted} of ${room} withdrawals accepted while NATS was down; refusals ${JSON.stringify(Object.fromEntries(refusals))}`,
    );
  if (refusedAtBound !== room + pastBound - accepted) {
    addViolation(
      report,
      "wrong status",
      `past the bound expected RESOURCE_EXHAUSTED for every refusal, got ${JSON.stringify(Object.fromEntries(refusals))}`,
    );
  }
}
