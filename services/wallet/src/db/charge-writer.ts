/**
 * Charges, any number of them in one statement: one round trip and one commit (autocommit), with
 * no BEGIN, no read and no COMMIT of its own. A charge never depends on the balance it lands on,
 * so the statement needs no plan: it inserts the transactions, records those with a release time
 * as locks, and adds each user's sum to the wallet with a relative upsert, which creates the wallet
 * on the first charge and is correct whatever committed in between.
 *
 * The write batcher sends a whole batch of charges through it, or one when batching is off.
 *
 * - Idempotency: a key used before makes its insert do nothing; the request is answered with the
 *   original, looked up in a second statement only when there is such a key.
 * - Overflow: a balance past int64 fails the whole statement (the cast, the addition or the
 *   wallets CHECK), which the caller maps to BALANCE_OVERFLOW for one charge or isolates for many.
 * - Release times: a charge that carries one is recorded as a lock, whether that time has passed or
 *   not. Whether a lock counts as available is decided only by domain/balance.ts, when a balance is
 *   read or a withdrawal folds it, so this statement holds no money rule of its own.
 * - Locks: wallets are upserted in user_id order, as every other writer locks them, so
 *   concurrent writers queue instead of deadlocking.
 */
import { randomUUID } from "node:crypto";
import type { WalletError } from "@wallet/errors";
import type { ChargeCommand } from "../domain/commands.js";
import { chargeIntent, duplicateKeyError } from "../domain/idempotency.js";
import type { Transaction } from "../domain/transaction.js";
import { findByKeys, keyOf, type Queryable } from "./idempotency-lookup.js";
import { namedStatement } from "./named-statement.js";
import { toTransaction, transactionColumns, type TransactionRow } from "./transaction-row.js";

export type WriteOutcome = { ok: true; value: Transaction } | { ok: false; error: WalletError };

const chargesStatement = namedStatement(
  "wallet_charges",
  ["ids", "userIds", "amounts", "keys", "releaseAts"],
  (p) => `
with inserted as (
  insert into transactions (id, user_id, type, amount, status, idempotency_key, release_at)
  select id, user_id, 'charge', amount, 'completed', idempotency_key, release_at
  from unnest(${p("ids")}::uuid[], ${p("userIds")}::bigint[], ${p("amounts")}::bigint[], ${p("keys")}::text[], ${p("releaseAts")}::timestamptz[])
    as r(id, user_id, amount, idempotency_key, release_at)
  on conflict (user_id, idempotency_key) do nothing
  returning ${transactionColumns}, release_at is not null as carries_release
), locks as (
  insert into balance_locks (transaction_id, user_id, amount, release_at)
  select id, user_id, amount, release_at from inserted where carries_release
), credits as (
  insert into wallets as w (user_id, available, locked)
  select user_id,
    coalesce(sum(amount) filter (where not carries_release), 0)::bigint,
    coalesce(sum(amount) filter (where carries_release), 0)::bigint
  from inserted group by user_id order by user_id
  on conflict (user_id) do update set
    available = w.available + excluded.available,
    locked = w.locked + excluded.locked,
    updated_at = now()
)
select ${transactionColumns} from inserted`,
);

/** A key that should have had an original did not; running the charges again settles it. */
export class ChargeKeyRaceError extends Error {}

/**
 * Writes the charges (at most one per user and key) and answers each: the new transaction, or the
 * duplicate-key error carrying the original. A statement error is thrown as the driver raised it.
 */
export async function writeCharges(
  db: Queryable,
  commands: readonly ChargeCommand[],
): Promise<WriteOutcome[]> {
  const drafts = commands.map((command) => ({ command, id: randomUUID() }));
  const { rows } = await db.query<TransactionRow>(
    chargesStatement.bind({
      ids: drafts.map((d) => d.id),
      userIds: commands.map((c) => String(c.userId)),
      amounts: commands.map((c) => String(c.amountMinor)),
      keys: commands.map((c) => c.idempotencyKey),
      releaseAts: commands.map((c) => c.releaseAt?.toISOString() ?? null),
    }),
  );
  const inserted = new Map(rows.map((row) => [row.id, toTransaction(row)]));
  const repeated = drafts.filter((d) => !inserted.has(d.id)).map((d) => d.command);
  const originals =
    repeated.length > 0 ? await findByKeys(db, repeated) : new Map<string, Transaction>();
  return drafts.map(({ command, id }): WriteOutcome => {
    const transaction = inserted.get(id);
    if (transaction) return { ok: true, value: transaction };
    const original = originals.get(keyOf(command.userId, command.idempotencyKey));
    // A conflicting insert waits for the other writer's commit, so its row is there by now.
    if (!original)
      throw new ChargeKeyRaceError(`no original for idempotency key of user ${command.userId}`);
    return { ok: false, error: duplicateKeyError(original, chargeIntent(command)) };
  });
}
