/**
 * Many GetBalance reads per statement. Concurrent reads queue; while one batch is in the database
 * the next gathers (no timer wait), and a batch holds at most `batchMax` distinct users. Each read
 * is still exact at an instant after it arrived: a read only joins a batch that has not started,
 * and the batch's one statement sees everything committed before it ran.
 */
import type pg from "pg";
import { WalletError } from "@wallet/errors";
import type { Balance } from "../domain/transaction.js";
import { fromPgError } from "./pg-errors.js";

export interface BalanceReaderSettings {
  /** Distinct users read by one statement. */
  batchMax: number;
  /** Reads waiting; past it reads are refused as overload. */
  queueMax: number;
}

// One row per charged user; a matured lock counts as available whether or not a write folded it.
const balancesSql = `
select w.user_id::text as user_id,
  (w.available + coalesce(sum(l.amount) filter (where l.release_at <= now()), 0))::text as available,
  coalesce(sum(l.amount) filter (where l.release_at > now()), 0)::text as locked,
  w.pending::text as pending,
  min(l.release_at) filter (where l.release_at > now()) as next_release_at,
  now() as as_of
from wallets w left join balance_locks l on l.user_id = w.user_id
where w.user_id = any($1::bigint[])
group by w.user_id`;

interface BalanceRow {
  user_id: string;
  available: string;
  locked: string;
  pending: string;
  next_release_at: Date | null;
  as_of: Date;
}

interface QueuedRead {
  userId: bigint;
  resolve(balance: Balance): void;
  reject(error: WalletError): void;
}

export function createBalanceReader(pool: pg.Pool, settings: BalanceReaderSettings): { getBalance(userId: bigint): Promise<Balance> } {
  const queue: QueuedRead[] = [];
  let running = false;

  async function drain(): Promise<void> {
    while (queue.length > 0) {
      const batch = takeBatch();
      try {
        const balances = await readBalances(pool, [...new Set(batch.map((read) => read.userId))]);
        for (const read of batch) read.resolve(balances(read.userId));
      } catch (err) {
        const error = WalletError.from(err);
        for (const read of batch) read.reject(error);
      }
    }
    running = false;
  }

  /** Reads for up to batchMax distinct users, in arrival order; the rest keep waiting. */
  function takeBatch(): QueuedRead[] {
    const users = new Set<bigint>();
    let taken = 0;
    while (taken < queue.length && (users.size < settings.batchMax || users.has(queue[taken]!.userId))) {
      users.add(queue[taken]!.userId);
      taken++;
    }
    return queue.splice(0, taken);
  }

  return {
    getBalance(userId) {
      if (queue.length >= settings.queueMax) {
        return Promise.reject(new WalletError("DEPENDENCY_UNAVAILABLE", "the wallet is overloaded, try again"));
      }
      return new Promise<Balance>((resolve, reject) => {
        queue.push({ userId, resolve, reject });
        if (!running) {
          running = true;
          // setImmediate, not a timer: reads that arrived in the same I/O turn join this batch.
          setImmediate(() => void drain());
        }
      });
    },
  };
}

/** Balances of distinct users in one statement, all as of the same instant. */
export async function readBalances(pool: pg.Pool, userIds: readonly bigint[]): Promise<(userId: bigint) => Balance> {
  let rows: BalanceRow[];
  try {
    ({ rows } = await pool.query<BalanceRow>({ name: "wallet_balances", text: balancesSql, values: [userIds.map(String)] }));
  } catch (err) {
    throw fromPgError(err);
  }
  const byUser = new Map(rows.map((row) => [BigInt(row.user_id), toBalance(row)]));
  const asOf = rows[0]?.as_of ?? new Date();
  // A user never charged has an empty wallet, not an error.
  return (userId) => byUser.get(userId) ?? { userId, availableMinor: 0n, lockedMinor: 0n, pendingMinor: 0n, totalMinor: 0n, nextReleaseAt: null, asOf };
}

function toBalance(row: BalanceRow): Balance {
  const availableMinor = BigInt(row.available);
  const lockedMinor = BigInt(row.locked);
  const pendingMinor = BigInt(row.pending);
  return {
    userId: BigInt(row.user_id),
    availableMinor,
    lockedMinor,
    pendingMinor,
    totalMinor: availableMinor + lockedMinor + pendingMinor,
    nextReleaseAt: row.next_release_at,
    asOf: row.as_of,
  };
}
