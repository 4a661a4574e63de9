/**
 * Many GetBalance reads per statement, through the micro-batcher (@wallet/batching): concurrent
 * reads queue; while one batch is in the database the next gathers (no timer wait), and a batch
 * holds at most `batchMax` distinct users. Each read is still exact at an instant after it
 * arrived: a read only joins a batch that has not started, and the batch's one statement sees
 * everything committed before it ran.
 */
import type pg from "pg";
import { createMicroBatcher } from "@wallet/batching";
import { WalletError } from "@wallet/errors";
import { balanceAt, emptyWallet, type BalanceLock } from "../domain/balance.js";
import type { Balance } from "../domain/transaction.js";
import { fromPgError } from "./pg-errors.js";

export interface BalanceReaderSettings {
  /** Distinct users read by one statement. */
  batchMax: number;
  /** Reads waiting; past it reads are refused as overload. */
  queueMax: number;
}

// One row per charged user, with its locks; balanceAt decides which have matured at the
// statement's instant.
const balancesSql = `
select w.user_id::text as user_id, w.available::text as available, w.locked::text as locked, w.pending::text as pending,
  (select json_agg(json_build_array(l.transaction_id, l.amount::text, l.release_at)) from balance_locks l where l.user_id = w.user_id) as locks,
  now() as as_of
from wallets w
where w.user_id = any($1::bigint[])`;

interface BalanceRow {
  user_id: string;
  available: string;
  locked: string;
  pending: string;
  /** [transaction id, amount, release_at as JSON text]; null without locks. */
  locks: [string, string, string][] | null;
  as_of: Date;
}

export function createBalanceReader(
  pool: pg.Pool,
  settings: BalanceReaderSettings,
): { getBalance(userId: bigint): Promise<Balance> } {
  const reads = createMicroBatcher<bigint, Balance>({
    batchMax: settings.batchMax,
    queueMax: settings.queueMax,
    // Repeated reads of one user join the batch and are answered by its one row.
    keyOf: String,
    repeats: "join",
    overloaded: () =>
      new WalletError("DEPENDENCY_UNAVAILABLE", "the wallet is overloaded, try again"),
    run: async (userIds) => {
      try {
        const balances = await readBalances(pool, [...new Set(userIds)]);
        return userIds.map((userId) => ({ ok: true, value: balances(userId) }));
      } catch (err) {
        const error = WalletError.from(err);
        return userIds.map(() => ({ ok: false, error }));
      }
    },
  });
  return { getBalance: (userId) => reads.submit(userId) };
}

/** Balances of distinct users in one statement, all as of the same instant. */
export async function readBalances(
  pool: pg.Pool,
  userIds: readonly bigint[],
): Promise<(userId: bigint) => Balance> {
  let rows: BalanceRow[];
  try {
    ({ rows } = await pool.query<BalanceRow>({
      name: "wallet_balances",
      text: balancesSql,
      values: [userIds.map(String)],
    }));
  } catch (err) {
    throw fromPgError(err);
  }
  const byUser = new Map(rows.map((row) => [BigInt(row.user_id), toBalance(row)]));
  const asOf = rows[0]?.as_of ?? new Date();
  // A user never charged has an empty wallet, not an error.
  return (userId) => byUser.get(userId) ?? balanceAt(userId, emptyWallet, [], asOf);
}

function toBalance(row: BalanceRow): Balance {
  const parts = {
    availableMinor: BigInt(row.available),
    lockedMinor: BigInt(row.locked),
    pendingMinor: BigInt(row.pending),
  };
  return balanceAt(BigInt(row.user_id), parts, (row.locks ?? []).map(toBalanceLock), row.as_of);
}

/** A lock as json_build_array(transaction_id, amount::text, release_at) gives it. */
export function toBalanceLock([transactionId, amount, releaseAt]: [
  string,
  string,
  string,
]): BalanceLock {
  return { transactionId, amountMinor: BigInt(amount), releaseAt: new Date(releaseAt) };
}
