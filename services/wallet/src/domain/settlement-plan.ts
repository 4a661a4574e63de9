/**
 * The rules of settling withdrawals, without a database: given the bank's results and the
 * withdrawals they name as they stand (locked), decide what each result changes. A result applies
 * only to a withdrawal still pending, so a duplicate or late one changes nothing:
 * - completed: the withdrawal is paid; its amount leaves pending (and the wallet).
 * - failed: the bank definitively refused; the amount goes back from pending to available, as a
 *   refund transaction that points at the withdrawal (and it at the refund).
 * - parked: settlement gave up for now; the withdrawal stays pending, marked for an operator.
 */
import { assert } from "./assert.js";
import type { TransactionStatus, TransactionType } from "./transaction.js";

export type SettlementOutcome = "completed" | "failed" | "parked";

export interface SettlementResult {
  transactionId: string;
  outcome: SettlementOutcome;
  bankReference?: string;
  reason?: string;
}

/** A transaction a result names, as it stands under its row lock. */
export interface SettlingTransaction {
  id: string;
  userId: bigint;
  type: TransactionType;
  status: TransactionStatus;
  amountMinor: bigint;
}

export type SettlementDecision =
  | { kind: "complete"; withdrawalId: string; bankReference: string | null }
  | {
      kind: "fail";
      withdrawalId: string;
      reason: string;
      refundId: string;
      userId: bigint;
      amountMinor: bigint;
    }
  | { kind: "park"; withdrawalId: string; reason: string };

/** How one wallet's parts move, minor units: pending goes down by `settledMinor`, available up by `refundedMinor`. */
export interface WalletMove {
  settledMinor: bigint;
  refundedMinor: bigint;
}

export interface SettlementPlan {
  /** One per result, in the results' order. */
  outcomes: ("applied" | "ignored")[];
  decisions: SettlementDecision[];
  moves: Map<bigint, WalletMove>;
}

const defaultReason: Record<Exclude<SettlementOutcome, "completed">, string> = {
  failed: "rejected by the bank",
  parked: "settlement gave up",
};

export function planSettlement(
  results: readonly SettlementResult[],
  current: ReadonlyMap<string, SettlingTransaction>,
  newRefundId: () => string,
): SettlementPlan {
  assert(
    new Set(results.map((r) => r.transactionId)).size === results.length,
    "a settlement plan takes at most one result per withdrawal",
  );
  const decisions: SettlementDecision[] = [];
  const moves = new Map<bigint, WalletMove>();
  const move = (userId: bigint, settledMinor: bigint, refundedMinor: bigint) => {
    const before = moves.get(userId) ?? { settledMinor: 0n, refundedMinor: 0n };
    moves.set(userId, {
      settledMinor: before.settledMinor + settledMinor,
      refundedMinor: before.refundedMinor + refundedMinor,
    });
  };

  const outcomes = results.map((result): "applied" | "ignored" => {
    const withdrawal = current.get(result.transactionId);
    if (!withdrawal || withdrawal.type !== "withdrawal" || withdrawal.status !== "pending")
      return "ignored";
    switch (result.outcome) {
      case "completed":
        decisions.push({
          kind: "complete",
          withdrawalId: withdrawal.id,
          bankReference: result.bankReference ?? null,
        });
        move(withdrawal.userId, withdrawal.amountMinor, 0n);
        return "applied";
      case "failed":
        decisions.push({
          kind: "fail",
          withdrawalId: withdrawal.id,
          reason: result.reason ?? defaultReason.failed,
          refundId: newRefundId(),
          userId: withdrawal.userId,
          amountMinor: withdrawal.amountMinor,
        });
        move(withdrawal.userId, withdrawal.amountMinor, withdrawal.amountMinor);
        return "applied";
      case "parked":
        decisions.push({
          kind: "park",
          withdrawalId: withdrawal.id,
          reason: result.reason ?? defaultReason.parked,
        });
        return "applied";
    }
  });
  return { outcomes, decisions, moves };
}
