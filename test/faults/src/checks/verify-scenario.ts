/**
 * The checks every scenario ends with, in order: resolve unknown outcomes by retry, let every
 * withdrawal reach the bank and back, read each withdrawal's final state, then compare the model
 * with GetBalance for every user, the bank's ledger with the wallet's, and run the ledger check.
 * A violation is reported once, in the scenario where it first shows.
 */
import { waitFor } from "@wallet/test-kit";
import { statusName } from "../model/acked-transaction.js";
import { mapLimit } from "../clients/wallet-driver.js";
import { serviceNames } from "../infra/fault-system.js";
import { addViolation, type ScenarioReport } from "../report/scenario-report.js";
import type { SuiteContext } from "../suite-context.js";
import { bankPayouts } from "@wallet/test-kit";
import { runLedgerCheck } from "./ledger-check.js";

export interface VerifyOptions {
  /** How long unknown writes are retried before they count as unresolved. */
  reconcileTimeoutMs: number;
  /** How long withdrawals may take to reach completed, failed or parked. */
  settleTimeoutMs: number;
}

export async function verifyScenario(
  ctx: SuiteContext,
  report: ScenarioReport,
  options: VerifyOptions,
): Promise<void> {
  await reviveDeadProcesses(ctx, report);
  await ctx.driver.reconcile(options.reconcileTimeoutMs);
  await waitForSettlement(ctx, report, options.settleTimeoutMs);
  await readFinalStates(ctx, report);
  await compareBalances(ctx, report);
  await compareWithBank(ctx, report);
  await checkLedger(ctx, report);
}

/** A process the scenario did not kill on purpose must still be running. */
async function reviveDeadProcesses(ctx: SuiteContext, report: ScenarioReport): Promise<void> {
  for (const name of serviceNames) {
    if (ctx.system.alive(name)) continue;
    addViolation(
      report,
      "process died",
      `${name} was not running at the end of the scenario; its stderr: ${ctx.system.stderrTail(name).slice(0, 600) || "(empty)"}`,
    );
    await ctx.system.start(name);
  }
}

async function waitForSettlement(
  ctx: SuiteContext,
  report: ScenarioReport,
  timeoutMs: number,
): Promise<void> {
  try {
    await waitFor(
      "every withdrawal to reach completed, failed or parked",
      async () => ((await ctx.probe.unsettledWithdrawals()) === 0 ? true : undefined),
      {
        timeoutMs,
        intervalMs: 250,
      },
    );
  } catch {
    const left = await ctx.probe.unsettledWithdrawals().catch(() => -1);
    addViolation(
      report,
      "withdrawal stranded",
      `${left} withdrawals still pending (not parked) ${timeoutMs} ms after the faults ended`,
    );
  }
  const parked = await ctx.probe.parkedWithdrawals().catch(() => 0);
  if (parked > 0)
    report.notes.push(
      `${parked} withdrawals parked for an operator (pending, never refunded on a guess)`,
    );
}

/** Follows every withdrawal the model still holds as pending with GetTransaction. */
async function readFinalStates(ctx: SuiteContext, report: ScenarioReport): Promise<void> {
  const pending = ctx.model.withdrawals().filter((w) => w.status === "pending");
  await mapLimit(pending, 32, async (withdrawal) => {
    for (let attempt = 0; attempt < 5; attempt++) {
      try {
        report.operationsSent += 1;
        const { transaction } = await ctx.driver.clients[0].getTransaction({ id: withdrawal.id });
        const status = transaction ? statusName(transaction.status) : undefined;
        if (status) ctx.model.settle(withdrawal.id, status);
        return;
      } catch {
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    }
  });
}

async function compareBalances(ctx: SuiteContext, report: ScenarioReport): Promise<void> {
  const users = new Set<bigint>(ctx.model.userIds());
  for (const userId of await ctx.probe.walletUserIds()) users.add(userId);
  await mapLimit([...users], 32, async (userId) => {
    for (let attempt = 0; attempt < 5; attempt++) {
      try {
        report.operationsSent += 1;
        const { balance } = await ctx.driver.clients[0].getBalance({ userId });
        if (!balance?.asOf) throw new Error("no balance in the answer");
        const asOfMs = Number(balance.asOf.seconds) * 1000 + balance.asOf.nanos / 1e6;
        const want = ctx.model.expected(userId, asOfMs);
        const got = {
          available: balance.available,
          locked: balance.locked,
          pending: balance.pending,
          total: balance.total,
        };
        const signature = `available ${got.available}/${want.available} locked ${got.locked}/${want.locked} pending ${got.pending}/${want.pending} total ${got.total}/${want.total}`;
        const same =
          got.available === want.available &&
          got.locked === want.locked &&
          got.pending === want.pending &&
          got.total === want.total;
        if (same || ctx.reported.users.get(userId) === signature) return;
        ctx.reported.users.set(userId, signature);
        const detail = `user ${userId} (system/model): ${signature}`;
        if (got.total < want.total) addViolation(report, "money lost", detail);
        else if (got.total > want.total) addViolation(report, "money created", detail);
        else addViolation(report, "balance split wrong", detail);
        return;
      } catch (err) {
        if (attempt === 4)
          addViolation(
            report,
            "did not recover",
            `GetBalance(${userId}) kept failing: ${err instanceof Error ? err.message : String(err)}`,
          );
        await new Promise((resolve) => setTimeout(resolve, 300));
      }
    }
  });
}

/**
 * The bank is the independent witness: a reference paid twice, paid but refunded by the wallet,
 * or completed by the wallet without the bank ever paying, is money created or lost.
 */
async function compareWithBank(ctx: SuiteContext, report: ScenarioReport): Promise<void> {
  const payouts = await bankPayouts(ctx.system.bankUrl);
  const byReference = new Map(payouts.map((p) => [p.reference, p]));
  for (const payout of payouts) {
    if (payout.pay_count > 1 && !ctx.reported.references.has(`twice:${payout.reference}`)) {
      ctx.reported.references.add(`twice:${payout.reference}`);
      addViolation(
        report,
        "double paid",
        `reference ${payout.reference} paid ${payout.pay_count} times (${payout.requests} requests)`,
      );
    }
  }
  for (const withdrawal of ctx.model.withdrawals()) {
    if (ctx.reported.references.has(withdrawal.id)) continue;
    const payout = byReference.get(withdrawal.id);
    if (withdrawal.status === "failed" && payout?.status === "paid") {
      ctx.reported.references.add(withdrawal.id);
      addViolation(
        report,
        "paid and refunded",
        `withdrawal ${withdrawal.id} (from ${withdrawal.scenario}) was paid by the bank and refunded by the wallet`,
      );
    } else if (withdrawal.status === "completed" && payout?.status !== "paid") {
      ctx.reported.references.add(withdrawal.id);
      addViolation(
        report,
        "completed without payout",
        `withdrawal ${withdrawal.id} (from ${withdrawal.scenario}) is completed but the bank says ${payout?.status ?? "never received"}`,
      );
    }
  }
}

async function checkLedger(ctx: SuiteContext, report: ScenarioReport): Promise<void> {
  const result = await runLedgerCheck(ctx.system.databaseUrl);
  report.ledgerCheck = result.summary;
  if (result.exitCode !== 0 && result.lines.length === 0 && !ctx.reported.ledgerLines.has("run")) {
    ctx.reported.ledgerLines.add("run");
    addViolation(report, "ledger check", result.summary);
  }
  for (const line of result.lines) {
    if (ctx.reported.ledgerLines.has(line)) continue;
    ctx.reported.ledgerLines.add(line);
    addViolation(report, "ledger check", line.trim());
  }
}
