/** Domain ↔ wire conversions for wallet.v1 messages. */
import {
  TransactionStatus as WireStatus,
  TransactionType as WireType,
  timestampFromDate,
  type Balance as WireBalance,
  type Transaction as WireTransaction,
} from "@wallet/proto";
import type {
  Balance,
  Transaction,
  TransactionStatus,
  TransactionType,
} from "../domain/transaction.js";

const wireTypes: Record<TransactionType, WireType> = {
  charge: WireType.TRANSACTION_TYPE_CHARGE,
  withdrawal: WireType.TRANSACTION_TYPE_WITHDRAWAL,
  refund: WireType.TRANSACTION_TYPE_REFUND,
};

const wireStatuses: Record<TransactionStatus, WireStatus> = {
  pending: WireStatus.TRANSACTION_STATUS_PENDING,
  completed: WireStatus.TRANSACTION_STATUS_COMPLETED,
  failed: WireStatus.TRANSACTION_STATUS_FAILED,
};

export function toWireTransaction(tx: Transaction): WireTransaction {
  return {
    id: tx.id,
    userId: tx.userId,
    type: wireTypes[tx.type],
    amount: tx.amountMinor,
    status: wireStatuses[tx.status],
    idempotencyKey: tx.idempotencyKey ?? "",
    releaseAt: tx.releaseAt ? timestampFromDate(tx.releaseAt) : undefined,
    createdAt: timestampFromDate(tx.createdAt),
    updatedAt: timestampFromDate(tx.updatedAt),
    bankReference: tx.bankReference ?? "",
    failureReason: tx.failureReason ?? "",
    relatedTransactionId: tx.relatedTransactionId ?? "",
  };
}

export function toWireBalance(balance: Balance): WireBalance {
  return {
    userId: balance.userId,
    available: balance.availableMinor,
    locked: balance.lockedMinor,
    pending: balance.pendingMinor,
    total: balance.totalMinor,
    nextReleaseAt: balance.nextReleaseAt ? timestampFromDate(balance.nextReleaseAt) : undefined,
    asOf: timestampFromDate(balance.asOf),
  };
}
