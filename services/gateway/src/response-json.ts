/**
 * wallet.v1 messages → the gateway's JSON. Every int64 (ids and amounts in minor units) leaves
 * as a decimal string, so no JSON reader can round it; timestamps are UTC RFC 3339 strings;
 * optional fields are present with null when empty, so every transaction has the same shape.
 */
import { TransactionStatus, TransactionType, type Balance, type Transaction } from "@wallet/proto";
import type { BalanceJson, TransactionJson } from "./json-shapes.js";
import { formatTimestamp } from "./timestamp-json.js";

const typeNames: Partial<Record<TransactionType, TransactionJson["type"]>> = {
  [TransactionType.TRANSACTION_TYPE_CHARGE]: "charge",
  [TransactionType.TRANSACTION_TYPE_WITHDRAWAL]: "withdrawal",
  [TransactionType.TRANSACTION_TYPE_REFUND]: "refund",
};

const statusNames: Partial<Record<TransactionStatus, TransactionJson["status"]>> = {
  [TransactionStatus.TRANSACTION_STATUS_PENDING]: "pending",
  [TransactionStatus.TRANSACTION_STATUS_COMPLETED]: "completed",
  [TransactionStatus.TRANSACTION_STATUS_FAILED]: "failed",
};

/**
 * Throws on a type or status this gateway does not know: that is a contract break between the
 * gateway and the wallet, answered with a logged 500 rather than a transaction with a made-up kind.
 */
export function transactionJson(tx: Transaction | undefined): TransactionJson {
  if (tx === undefined) throw new Error("the wallet answered without a transaction");
  const type = typeNames[tx.type];
  const status = statusNames[tx.status];
  if (type === undefined || status === undefined) {
    throw new Error(`transaction ${tx.id} has unknown type ${tx.type} or status ${tx.status}`);
  }
  return {
    id: tx.id,
    user_id: tx.userId.toString(),
    type,
    amount: tx.amount.toString(),
    status,
    idempotency_key: tx.idempotencyKey || null,
    release_at: formatTimestamp(tx.releaseAt),
    created_at: formatTimestamp(tx.createdAt),
    updated_at: formatTimestamp(tx.updatedAt),
    bank_reference: tx.bankReference || null,
    failure_reason: tx.failureReason || null,
    related_transaction_id: tx.relatedTransactionId || null,
  };
}

export function balanceJson(balance: Balance | undefined): BalanceJson {
  if (balance === undefined) throw new Error("the wallet answered without a balance");
  return {
    user_id: balance.userId.toString(),
    available: balance.available.toString(),
    locked: balance.locked.toString(),
    pending: balance.pending.toString(),
    total: balance.total.toString(),
    next_release_at: formatTimestamp(balance.nextReleaseAt),
    as_of: formatTimestamp(balance.asOf),
  };
}
