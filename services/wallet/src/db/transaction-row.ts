/** The one mapping from a raw `transactions` row (pg, snake_case, int8 as text) to the domain. */
import type { Transaction } from "../domain/transaction.js";
import { columnList, type PgRow } from "./pg-row.js";
import { transactions } from "./schema.js";

/** The fields every query that returns transactions selects, in this order. */
const transactionFields = [
  "id",
  "seq",
  "userId",
  "type",
  "amount",
  "status",
  "idempotencyKey",
  "releaseAt",
  "bankReference",
  "failureReason",
  "relatedTransactionId",
  "parkedAt",
  "createdAt",
  "updatedAt",
] as const;

export const transactionColumns = columnList(transactions, transactionFields);
/** The same columns prefixed by a table alias, for joins. */
export const transactionColumnsOf = (alias: string) =>
  columnList(transactions, transactionFields, alias);

export type TransactionRow = PgRow<typeof transactions, (typeof transactionFields)[number]>;

export function toTransaction(row: TransactionRow): Transaction {
  return {
    id: row.id,
    seq: BigInt(row.seq),
    userId: BigInt(row.user_id),
    type: row.type,
    amountMinor: BigInt(row.amount),
    status: row.status,
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
