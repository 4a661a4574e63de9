/**
 * Many writes per commit. Concurrent Charge and Withdraw requests queue per lane (a user always
 * maps to the same lane); while a lane's batch is in the database the next one gathers, so
 * there is no timer wait, and a batch holds at most `batchMax` requests. A batch is one
 * PostgreSQL transaction of a fixed number of set-based statements (unnest arrays), however many
 * requests it carries, which is what lets a hot balance take far more than one commit's worth of
 * writes per flush. A batch of charges alone is a single autocommit statement (charge-writer.ts);
 * a batch with a withdrawal reads and locks its wallets first, to check withdrawals in order.
 *
 * Every per-request promise holds inside a batch:
 * - each request gets its own outcome (planBatch decides them one by one, in arrival order);
 * - idempotency is enforced by the unique index: a key used before is answered as a duplicate; in
 *   a batch with withdrawals, a key that another transaction inserted after the read shows up as a
 *   short RETURNING, and the batch is retried with that key now seen as a duplicate;
 * - wallets are locked in user_id order, so batches never deadlock one another;
 * - if the batch fails for a reason other than the database being unreachable, each request is
 *   retried alone through the single-request path, so one bad request never fails its neighbours.
 */
import { randomUUID } from "node:crypto";
import type pg from "pg";
import { WalletError } from "@wallet/errors";
import type { Logger } from "@wallet/logger";
import { planBatch, type WalletParts, type WriteRequest } from "../domain/batch-plan.js";
import type { ChargeCommand, WithdrawCommand } from "../domain/commands.js";
import { duplicateKeyError } from "../domain/idempotency.js";
import { takeDistinct } from "../domain/take-distinct.js";
import type { Transaction } from "../domain/transaction.js";
import { ChargeKeyRaceError, writeCharges, type WriteOutcome } from "./charge-writer.js";
import { keyOf } from "./idempotency-lookup.js";
import type { LedgerStore } from "./ledger-store.js";
import { fromPgError, isQueryReadTimeout } from "./pg-errors.js";
import { pendingWithdrawalsCountSql, type WithdrawalBacklog } from "./withdrawal-backlog.js";
import { toTransaction, transactionColumns, type TransactionRow } from "./transaction-row.js";

export interface WriteBatcherSettings {
  /** Batches in flight at once; each holds one pooled connection while it runs. */
  lanes: number;
  batchMax: number;
  /** Requests waiting across all lanes; past it writes are refused as overload. */
  queueMax: number;
  /** Whole-batch retries after a lost idempotency race or a deadlock. */
  retriesMax: number;
  withdrawalBacklogMax: number;
}

export interface BatchObserver {
  onBatch(size: number, durationSeconds: number, outcome: "committed" | "retried" | "fallback" | "failed"): void;
}

interface QueuedWrite {
  request: WriteRequest;
  resolve(transaction: Transaction): void;
  reject(error: WalletError): void;
}

/** The batch lost a race it can win by running again. */
class RetryableBatchError extends Error {}

// A batch of charges alone is one statement (charge-writer.ts). A batch with a withdrawal is
// BEGIN, one read statement, the plan (in memory), one write statement, COMMIT: four round trips
// whatever the batch size, since on a busy machine each round trip costs far more than the rows
// it carries.
const sql = {
  // Locks every wallet of the batch (creating those a charge needs; an upsert is insert-or-lock in
  // one step), folds matured locks, and reports which idempotency keys were used before.
  read: `
    with charged as (
      insert into wallets as w (user_id) select u from unnest($1::bigint[]) as u order by u
      on conflict (user_id) do update set user_id = w.user_id
      returning w.user_id, w.available, w.locked, w.pending
    ), withdrawing as (
      select user_id, available, locked, pending from wallets where user_id = any($2::bigint[]) order by user_id for update
    ), matured as (
      delete from balance_locks where user_id = any($3::bigint[]) and release_at <= now() returning user_id, amount
    ), seen as (
      select t.id from unnest($4::bigint[], $5::text[]) as k(user_id, key)
      join transactions t on t.user_id = k.user_id and t.idempotency_key = k.key
    )
    select now() as now,
      (select coalesce(json_agg(json_build_array(user_id::text, available::text, locked::text, pending::text)), '[]')
         from (select * from charged union all select * from withdrawing) as locked_wallets) as wallets,
      (select coalesce(json_agg(json_build_array(user_id::text, amount::text)), '[]') from matured) as folds,
      (select coalesce(json_agg(id), '[]') from seen) as seen_ids,
      case when $6::boolean then (${pendingWithdrawalsCountSql}) end
        as pending_withdrawals`,
  byIds: `select ${transactionColumns} from transactions where id = any($1::uuid[])`,
  // Everything the plan decided, in one statement. A key taken by another transaction since the
  // read makes RETURNING come back short (or the lock/outbox foreign key fail): the batch re-runs.
  write: `
    with inserted as (
      insert into transactions (id, user_id, type, amount, status, idempotency_key, release_at)
      select * from unnest($1::uuid[], $2::bigint[], $3::text[], $4::bigint[], $5::text[], $6::text[], $7::timestamptz[])
      on conflict (user_id, idempotency_key) do nothing
      returning ${transactionColumns}
    ), balances as (
      update wallets w set available = v.available, locked = v.locked, pending = v.pending, updated_at = now()
      from unnest($8::bigint[], $9::bigint[], $10::bigint[], $11::bigint[]) as v(user_id, available, locked, pending)
      where w.user_id = v.user_id
    ), locks as (
      insert into balance_locks (transaction_id, user_id, amount, release_at)
      select * from unnest($12::uuid[], $13::bigint[], $14::bigint[], $15::timestamptz[])
    ), queued as (
      insert into outbox (transaction_id) select unnest($16::uuid[])
    )
    select * from inserted`,
};

export function createWriteBatcher(deps: {
  pool: pg.Pool;
  /** The one-statement-per-request path, for isolating a batch that failed. */
  single: Pick<LedgerStore, "charge" | "withdraw">;
  settings: WriteBatcherSettings;
  /** Unsettled withdrawals, for the backlog bound: counted by a batch when stale, told of every commit. */
  backlog: WithdrawalBacklog;
  logger: Logger;
  observer?: BatchObserver;
}): Pick<LedgerStore, "charge" | "withdraw"> {
  const { pool, settings, logger } = deps;
  const lanes = Array.from({ length: settings.lanes }, () => ({ queue: [] as QueuedWrite[], running: false }));
  let queued = 0;

  function enqueue(request: WriteRequest): Promise<Transaction> {
    if (queued >= settings.queueMax) {
      return Promise.reject(new WalletError("DEPENDENCY_UNAVAILABLE", "the wallet is overloaded, try again"));
    }
    return new Promise<Transaction>((resolve, reject) => {
      const lane = lanes[Number(request.command.userId % BigInt(settings.lanes))]!;
      lane.queue.push({ request, resolve, reject });
      queued += 1;
      // setImmediate, not a timer: requests that arrived in the same I/O turn join this batch.
      if (!lane.running) {
        lane.running = true;
        setImmediate(() => void drainLane(lane));
      }
    });
  }

  async function drainLane(lane: { queue: QueuedWrite[]; running: boolean }): Promise<void> {
    while (lane.queue.length > 0) {
      // One request per (user, key) in a batch: a repeat waits for the next batch.
      const batch = takeDistinct(lane.queue, settings.batchMax, (item) => keyOf(item.request.command.userId, item.request.command.idempotencyKey));
      queued -= batch.length;
      const results = await executeBatch(batch.map((item) => item.request));
      deps.backlog.accepted(batch.filter((item, i) => item.request.kind === "withdraw" && results[i]!.ok).length);
      batch.forEach((item, i) => {
        const result = results[i]!;
        if (result.ok) item.resolve(result.transaction);
        else item.reject(result.error);
      });
    }
    lane.running = false;
  }

  async function executeBatch(requests: WriteRequest[]): Promise<WriteOutcome[]> {
    const started = process.hrtime.bigint();
    const elapsed = () => Number(process.hrtime.bigint() - started) / 1e9;
    for (let attempt = 0; attempt <= settings.retriesMax; attempt++) {
      try {
        const results = await executeOnce(requests);
        deps.observer?.onBatch(requests.length, elapsed(), "committed");
        return results;
      } catch (err) {
        const walletErr = err instanceof RetryableBatchError || err instanceof ChargeKeyRaceError ? undefined : fromPgError(err);
        const deadlock = (walletErr?.cause as { code?: string } | undefined)?.code;
        if (walletErr === undefined || deadlock === "40P01" || deadlock === "40001") {
          deps.observer?.onBatch(requests.length, elapsed(), "retried");
          continue;
        }
        if (walletErr.code === "DEPENDENCY_UNAVAILABLE") {
          deps.observer?.onBatch(requests.length, elapsed(), "failed");
          return requests.map(() => ({ ok: false, error: walletErr }));
        }
        logger.warn({ err, size: requests.length }, "write batch failed; running its requests one by one");
        break;
      }
    }
    deps.observer?.onBatch(requests.length, elapsed(), "fallback");
    return runOneByOne(requests);
  }

  /**
   * Each request alone through the single-request path. A user's requests run in arrival order, so
   * they meet the outcomes the batch would have given them; different users run concurrently.
   */
  async function runOneByOne(requests: WriteRequest[]): Promise<WriteOutcome[]> {
    const runSingle = (request: WriteRequest): Promise<WriteOutcome> =>
      (request.kind === "charge" ? deps.single.charge(request.command) : deps.single.withdraw(request.command)).then(
        (transaction): WriteOutcome => ({ ok: true, transaction }),
        (err: unknown): WriteOutcome => ({ ok: false, error: WalletError.from(err) }),
      );
    const results: WriteOutcome[] = new Array(requests.length);
    const indexesByUser = new Map<bigint, number[]>();
    requests.forEach((request, i) => {
      const indexes = indexesByUser.get(request.command.userId);
      if (indexes) indexes.push(i);
      else indexesByUser.set(request.command.userId, [i]);
    });
    await Promise.all(
      [...indexesByUser.values()].map(async (indexes) => {
        for (const i of indexes) results[i] = await runSingle(requests[i]!);
      }),
    );
    return results;
  }

  async function executeOnce(requests: WriteRequest[]): Promise<WriteOutcome[]> {
    if (requests.every((r) => r.kind === "charge")) return writeCharges(pool, requests.map((r) => r.command as ChargeCommand));
    const client = await pool.connect();
    try {
      await client.query("begin");
      const results = await runInTransaction(client, requests);
      await client.query("commit");
      client.release();
      return results;
    } catch (err) {
      // A query that timed out still occupies its connection: a rollback would wait as long again.
      const usable = !isQueryReadTimeout(err) && (await client.query("rollback").then(() => isHealthy(client), () => false));
      // A connection whose transaction failed oddly is not reused.
      client.release(!usable);
      throw err;
    }
  }

  async function runInTransaction(client: pg.PoolClient, requests: WriteRequest[]): Promise<WriteOutcome[]> {
    const q = <R extends pg.QueryResultRow>(name: string, text: string, values: unknown[]) =>
      client.query<R>({ name, text, values }).then((r) => r.rows);

    const byUserId = (a: bigint, b: bigint) => (a < b ? -1 : a > b ? 1 : 0);
    const users = [...new Set(requests.map((r) => r.command.userId))].sort(byUserId);
    const charged = new Set(requests.filter((r) => r.kind === "charge").map((r) => r.command.userId));
    const [read] = await q<{
      now: Date;
      wallets: [string, string, string, string][];
      folds: [string, string][];
      seen_ids: string[];
      pending_withdrawals: number | null;
    }>("batch_read", sql.read, [
      users.filter((u) => charged.has(u)).map(String),
      users.filter((u) => !charged.has(u)).map(String),
      users.map(String),
      requests.map((r) => String(r.command.userId)),
      requests.map((r) => r.command.idempotencyKey),
      requests.some((r) => r.kind === "withdraw") && deps.backlog.stale(),
    ]);
    const { now, pending_withdrawals: pendingWithdrawals } = read!;
    if (pendingWithdrawals !== null) deps.backlog.counted(pendingWithdrawals);
    const wallets = new Map<bigint, WalletParts>(
      read!.wallets.map(([userId, available, locked, pending]) => [
        BigInt(userId),
        { availableMinor: BigInt(available), lockedMinor: BigInt(locked), pendingMinor: BigInt(pending) },
      ]),
    );
    const folded = new Set<bigint>();
    for (const [userIdText, amountText] of read!.folds) {
      const userId = BigInt(userIdText);
      const parts = wallets.get(userId)!;
      parts.availableMinor += BigInt(amountText);
      parts.lockedMinor -= BigInt(amountText);
      folded.add(userId);
    }

    // Keys used before this batch: answered as duplicates with the original; no part in planning.
    const seen = read!.seen_ids.length === 0 ? [] : (await q<TransactionRow>("batch_by_ids", sql.byIds, [read!.seen_ids])).map(toTransaction);
    const seenByKey = new Map(seen.map((tx) => [keyOf(tx.userId, tx.idempotencyKey!), tx]));
    const results: (WriteOutcome | undefined)[] = requests.map((request) => {
      const original = seenByKey.get(keyOf(request.command.userId, request.command.idempotencyKey));
      if (!original) return undefined;
      const intent =
        request.kind === "charge"
          ? { type: "charge" as const, amountMinor: request.command.amountMinor, releaseAt: request.command.releaseAt }
          : { type: "withdrawal" as const, amountMinor: request.command.amountMinor, releaseAt: null };
      return { ok: false, error: duplicateKeyError(original, intent) };
    });

    const fresh = requests.map((request, i) => ({ request, i })).filter(({ i }) => results[i] === undefined);
    const plan = planBatch(
      fresh.map(({ request }) => request),
      wallets,
      { now, pendingWithdrawals: deps.backlog.current(), withdrawalBacklogMax: settings.withdrawalBacklogMax },
    );
    const accepted: { request: WriteRequest; i: number; id: string; lockedUntilRelease: boolean }[] = [];
    plan.outcomes.forEach((outcome, j) => {
      const { request, i } = fresh[j]!;
      if (outcome.accepted) accepted.push({ request, i, id: randomUUID(), lockedUntilRelease: outcome.lockedUntilRelease });
      else results[i] = { ok: false, error: outcome.error };
    });

    const toWrite = new Map(plan.changed);
    for (const userId of folded) if (!toWrite.has(userId)) toWrite.set(userId, wallets.get(userId)!);
    if (accepted.length > 0 || toWrite.size > 0) {
      const balances = [...toWrite.entries()];
      const locks = accepted.filter((a) => a.lockedUntilRelease);
      const withdrawals = accepted.filter((a) => a.request.kind === "withdraw");
      let inserted: TransactionRow[];
      try {
        inserted = await q<TransactionRow>("batch_write", sql.write, [
          accepted.map((a) => a.id),
          accepted.map((a) => String(a.request.command.userId)),
          accepted.map((a) => (a.request.kind === "charge" ? "charge" : "withdrawal")),
          accepted.map((a) => String(a.request.command.amountMinor)),
          accepted.map((a) => (a.request.kind === "charge" ? "completed" : "pending")),
          accepted.map((a) => a.request.command.idempotencyKey),
          accepted.map((a) => (a.request.kind === "charge" ? (a.request.command.releaseAt?.toISOString() ?? null) : null)),
          balances.map(([u]) => String(u)),
          balances.map(([, p]) => String(p.availableMinor)),
          balances.map(([, p]) => String(p.lockedMinor)),
          balances.map(([, p]) => String(p.pendingMinor)),
          locks.map((a) => a.id),
          locks.map((a) => String(a.request.command.userId)),
          locks.map((a) => String(a.request.command.amountMinor)),
          locks.map((a) => (a.request.command as ChargeCommand).releaseAt!.toISOString()),
          withdrawals.map((a) => a.id),
        ]);
      } catch (err) {
        // A lock or outbox row pointing at a transaction that lost its key race.
        if ((err as { code?: string }).code === "23503") throw new RetryableBatchError("an idempotency key was taken concurrently");
        throw err;
      }
      if (inserted.length !== accepted.length) throw new RetryableBatchError("an idempotency key was taken concurrently");
      const byId = new Map(inserted.map((row) => [row.id, toTransaction(row)]));
      for (const a of accepted) results[a.i] = { ok: true, transaction: byId.get(a.id)! };
    }
    return results.map((r) => r!);
  }

  return {
    charge: (command: ChargeCommand) => enqueue({ kind: "charge", command }),
    withdraw: (command: WithdrawCommand) => enqueue({ kind: "withdraw", command }),
  };
}

async function isHealthy(client: pg.PoolClient): Promise<boolean> {
  return client.query("select 1").then(
    () => true,
    () => false,
  );
}
