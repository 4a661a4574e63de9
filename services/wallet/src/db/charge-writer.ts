/**
 * Charges, any number of them in one statement: one round trip and one commit (autocommit), with
 * no BEGIN, no read and no COMMIT of its own. A charge never depends on the balance it lands on,
 * so the statement needs no plan: it inserts the transactions, locks those released in the
 * future, and adds each user's sum to the wallet with a relative upsert, which creates the wallet
 * on the first charge and is correct whatever committed in between.
 *
 * The write batcher sends a whole batch of charges through it; the single-request path sends one.
 *
 * - Idempotency: a key used before makes its insert do nothing; the request is answered with the
 *   original, looked up in a second statement only when there is such a key.
 * - Overflow: a balance past int64 fails the whole statement (the cast, the addition or the
 *   wallets CHECK), which the caller maps to BALANCE_OVERFLOW for one charge or isolates for many.
 * - Locks: wallets are upserted in user_id order, as every other writer locks them, so
 *   concurrent writers queue instead of deadlocking.
 */
import { randomUUID } from "node:crypto";
import type { WalletError } from "@wallet/errors";
import type { ChargeCommand } from "../domain/commands.js";
import { duplicateKeyError } from "../domain/idempotency.js";
import type { Transaction } from "../domain/transaction.js";
import { findByKeys, keyOf, type Queryable } from "./idempotency-lookup.js";
import { toTransaction, transactionColumns, type TransactionRow } from "./transaction-row.js";

export type WriteOutcome = { ok: true; transaction: Transaction } | { ok: false; error: WalletError };

const chargesSql = `
with inserted as (
  insert into transactions (id, user_id, type, amount, status, idempotency_key, release_at)
  select id, user_id, 'charge', amount, 'completed', idempotency_key, release_at
  from unnest($1::uuid[], $2::bigint[], $3::bigint[], $4::text[], $5::timestamptz[]) as r(id, user_id, amount, idempotency_key, release_at)
  on conflict (user_id, idempotency_key) do nothing
  returning ${transactionColumns}, coalesce(release_at > now(), false) as locked_until_release
), locks as (
  insert into balance_locks (transaction_id, user_id, amount, release_at)
  select id, user_id, amount, release_at from inserted where locked_until_release
), credits as (
  insert into wallets as w (user_id, available, locked)
  select user_id,
    coalesce(sum(amount) filter (where not locked_until_release), 0)::bigint,
    coalesce(sum(amount) filter (where locked_until_release), 0)::bigint
  from inserted group by user_id order by user_id
  on conflict (user_id) do update set
    available = w.available + excluded.available,
    locked = w.locked + excluded.locked,
    updated_at = now()
)
select ${transactionColumns} from inserted`;

/** A key that should have had an original did not; running the charges again settles it. */
export class ChargeKeyRaceError extends Error {}

/**
 * Writes the charges (at most one per user and key) and answers each: the new transaction, or the
 * duplicate-key error carrying the original. A statement error is thrown as the driver raised it.
 */
export async function writeCharges(db: Queryable, commands: readonly ChargeCommand[]): Promise<WriteOutcome[]> {
  const ids = commands.map(() => randomUUID());
  const { rows } = await db.query<TransactionRow>({
    name: "wallet_charges",
    text: chargesSql,
    values: [
      ids,
      commands.map((c) => String(c.userId)),
      commands.map((c) => String(c.amountMinor)),
      commands.map((c) => c.idempotencyKey),
      commands.map((c) => c.releaseAt?.toISOString() ?? null),
    ],
  });
  const inserted = new Map(rows.map((row) => [row.id, toTransaction(row)]));
  const repeated = commands.filter((_, i) => !inserted.has(ids[i]!));
  const originals = repeated.length > 0 ? await findByKeys(db, repeated) : new Map<string, Transaction>();
  return commands.map((command, i): WriteOutcome => {
    const transaction = inserted.get(ids[i]!);
    if (transaction) return { ok: true, transaction };
    const original = originals.get(keyOf(command.userId, command.idempotencyKey));
    // A conflicting insert waits for the other writer's commit, so its row is there by now.
    if (!original) throw new ChargeKeyRaceError(`no original for idempotency key of user ${command.userId}`);
    return {
      ok: false,
      error: duplicateKeyError(original, { type: "charge", amountMinor: command.amountMinor, releaseAt: command.releaseAt }),
    };
  });
}
