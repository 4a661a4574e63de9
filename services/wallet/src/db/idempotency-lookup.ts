/** Finds the transactions that used idempotency keys: how a repeated request gets its original. */
import type pg from "pg";
import type { Transaction } from "../domain/transaction.js";
import { present } from "../domain/assert.js";
import { toTransaction, transactionColumnsOf, type TransactionRow } from "./transaction-row.js";

/** Either a pool (autocommit) or a client. */
export type Queryable = Pick<pg.Pool, "query">;

const byKeysSql = `
select ${transactionColumnsOf("t")}
from unnest($1::bigint[], $2::text[]) as k(user_id, idempotency_key)
join transactions t on t.user_id = k.user_id and t.idempotency_key = k.idempotency_key`;

export const keyOf = (userId: bigint | string, idempotencyKey: string) =>
  `${userId}:${idempotencyKey}`;

/** The transactions that used these (user, key) pairs, by `user:key`; one statement. */
export async function findByKeys(
  db: Queryable,
  keys: readonly { userId: bigint; idempotencyKey: string }[],
): Promise<Map<string, Transaction>> {
  const { rows } = await db.query<TransactionRow>({
    name: "wallet_tx_by_keys",
    text: byKeysSql,
    values: [keys.map((k) => String(k.userId)), keys.map((k) => k.idempotencyKey)],
  });
  // Rows found by key have one.
  return new Map(
    rows.map((row) => [
      keyOf(row.user_id, present(row.idempotency_key, "idempotency key of a row found by it")),
      toTransaction(row),
    ]),
  );
}
