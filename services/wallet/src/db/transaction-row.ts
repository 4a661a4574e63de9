/** The one mapping from a raw `transactions` row (pg, snake_case, int8 as text) to the domain. */
import type { Transaction, TransactionStatus, TransactionType } from "../domain/transaction.js";

/** The column list every query that returns transactions selects, in this order. */
export const transactionColumns = `id, seq, user_id, type, amount, status, idempotency_key, release_at,
  bank_reference, failure_reason, related_transaction_id, parked_at, created_at, updated_at`;

export interface TransactionRow {
  id: string;
  seq: string;
  user_id: string;
  type: string;
  amount: string;
  status: string;
  idempotency_key: string | null;
  release_at: Date | null;
  bank_reference: string | null;
  failure_reason: string | null;
  related_transaction_id: string | null;
  parked_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

export function toTransaction(row: TransactionRow): Transaction {
  return {
    id: row.id,
    seq: BigInt(row.seq),
    userId: BigInt(row.user_id),
    type: row.type as TransactionType,
    amountMinor: BigInt(row.amount),
    status: row.status as TransactionStatus,
    idempotencyKey: row.idempotency_key,
    releaseAt: row.release_at,
    bankReference: row.bank_reference,
    failureReason: row.failure_reason,
    relatedTransactionId: row.related_transaction_id,
    parkedAt: row.parked_at,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}
