/**
 * Many writes per commit. Concurrent Charge and Withdraw requests queue per lane (a user always
 * maps to the same lane), each lane a micro-batcher (@wallet/batching): while a lane's batch is
 * in the database the next one gathers, so there is no timer wait, and a batch holds at most
 * `batchMax` requests. A batch is one
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
 *   retried alone, as a batch of one, so one bad request never fails its neighbours.
 *
 * With batching off (WRITE_BATCHING_ENABLED=false) every batch holds one request: the same plan
 * and the same statements, one request per commit.
 */
import { randomUUID } from "node:crypto";
import type pg from "pg";
import { WalletError } from "@wallet/errors";
import { createMicroBatcher } from "@wallet/batching";
import type { Logger } from "@wallet/logger";
import { assert, present } from "../domain/assert.js";
import { foldMaturedLocks, type BalanceLock, type WalletParts } from "../domain/balance.js";
import { planBatch } from "../domain/batch-plan.js";
import type { ChargeCommand, WithdrawCommand, WriteRequest } from "../domain/commands.js";
import { duplicateKeyError, writeIntent } from "../domain/idempotency.js";
import type { Transaction } from "../domain/transaction.js";
import { toBalanceLock } from "./balance-reader.js";
import { ChargeKeyRaceError, writeCharges, type WriteOutcome } from "./charge-writer.js";
import { keyOf } from "./idempotency-lookup.js";
import { namedStatement } from "./named-statement.js";
import { fromPgError } from "./pg-errors.js";
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
  onBatch(
    size: number,
    durationSeconds: number,
    outcome: "committed" | "retried" | "fallback" | "failed",
  ): void;
}

/** The batch lost a race it can win by running again. */
class RetryableBatchError extends Error {}

/** What the batcher offers: a write is answered with its transaction or its domain error. */
export interface WriteBatcher {
  charge(command: ChargeCommand): Promise<Transaction>;
  withdraw(command: WithdrawCommand): Promise<Transaction>;
}

// A batch of charges alone is one statement (charge-writer.ts). A batch with a withdrawal is
// BEGIN, one read statement, the plan (in memory), one write statement, COMMIT: four round trips
// whatever the batch size, since on a busy machine each round trip costs far more than the rows
// it carries.
const statements = {
  // Locks every wallet of the batch (creating those a charge needs; an upsert is insert-or-lock in
  // one step), then their locks (after the wallets, since it reads from them), and reports which
  // idempotency keys were used before.
  read: namedStatement(
    "batch_read",
    ["chargedUserIds", "withdrawingUserIds", "keyUserIds", "keys", "countBacklog"],
    (p) => `
    with charged as (
      insert into wallets as w (user_id) select u from unnest(${p("chargedUserIds")}::bigint[]) as u order by u
      on conflict (user_id) do update set user_id = w.user_id
      returning w.user_id, w.available, w.locked, w.pending
    ), withdrawing as (
      select user_id, available, locked, pending from wallets where user_id = any(${p("withdrawingUserIds")}::bigint[]) order by user_id for update
    ), locked_wallets as (
      select * from charged union all select * from withdrawing
    ), locks as (
      select l.user_id, l.transaction_id, l.amount, l.release_at from balance_locks l
      where l.user_id in (select user_id from locked_wallets) for update of l
    ), seen as (
      select t.id from unnest(${p("keyUserIds")}::bigint[], ${p("keys")}::text[]) as k(user_id, key)
      join transactions t on t.user_id = k.user_id and t.idempotency_key = k.key
    )
    select now() as now,
      (select coalesce(json_agg(json_build_array(user_id::text, available::text, locked::text, pending::text)), '[]') from locked_wallets) as wallets,
      (select coalesce(json_agg(json_build_array(user_id::text, json_build_array(transaction_id, amount::text, release_at))), '[]') from locks) as locks,
      (select coalesce(json_agg(id), '[]') from seen) as seen_ids,
      case when ${p("countBacklog")}::boolean then (${pendingWithdrawalsCountSql}) end as pending_withdrawals`,
  ),
  byIds: namedStatement(
    "batch_by_ids",
    ["ids"],
    (p) => `select ${transactionColumns} from transactions where id = any(${p("ids")}::uuid[])`,
  ),
  // Everything the plan decided, in one statement. A key taken by another transaction since the
  // read makes RETURNING come back short (or the lock/outbox foreign key fail): the batch re-runs.
  write: namedStatement(
    "batch_write",
    [
      "ids",
      "userIds",
      "types",
      "amounts",
      "statuses",
      "keys",
      "releaseAts",
      "walletUserIds",
      "availables",
      "lockeds",
      "pendings",
      "maturedLockIds",
      "lockIds",
      "lockUserIds",
      "lockAmounts",
      "lockReleaseAts",
      "withdrawalIds",
    ],
    (p) => `
    with inserted as (
      insert into transactions (id, user_id, type, amount, status, idempotency_key, release_at)
      select * from unnest(${p("ids")}::uuid[], ${p("userIds")}::bigint[], ${p("types")}::text[], ${p("amounts")}::bigint[],
        ${p("statuses")}::text[], ${p("keys")}::text[], ${p("releaseAts")}::timestamptz[])
      on conflict (user_id, idempotency_key) do nothing
      returning ${transactionColumns}
    ), balances as (
      update wallets w set available = v.available, locked = v.locked, pending = v.pending, updated_at = now()
      from unnest(${p("walletUserIds")}::bigint[], ${p("availables")}::bigint[], ${p("lockeds")}::bigint[], ${p("pendings")}::bigint[])
        as v(user_id, available, locked, pending)
      where w.user_id = v.user_id
    ), folded as (
      delete from balance_locks where transaction_id = any(${p("maturedLockIds")}::uuid[])
    ), locks as (
      insert into balance_locks (transaction_id, user_id, amount, release_at)
      select * from unnest(${p("lockIds")}::uuid[], ${p("lockUserIds")}::bigint[], ${p("lockAmounts")}::bigint[], ${p("lockReleaseAts")}::timestamptz[])
    ), queued as (
      insert into outbox (transaction_id) select unnest(${p("withdrawalIds")}::uuid[])
    )
    select * from inserted`,
  ),
};

interface BatchRead {
  now: Date;
  wallets: [string, string, string, string][];
  locks: [string, [string, string, string]][];
  seen_ids: string[];
  pending_withdrawals: number | null;
}

/** A request the plan accepted, with the id its transaction gets. */
interface AcceptedWrite {
  request: WriteRequest;
  index: number;
  id: string;
  lockedUntilRelease: boolean;
}

export function createWriteBatcher(deps: {
  pool: pg.Pool;
  settings: WriteBatcherSettings;
  /** Unsettled withdrawals, for the backlog bound: counted by a batch when stale, told of every commit. */
  backlog: WithdrawalBacklog;
  logger: Logger;
  observer?: BatchObserver;
}): WriteBatcher {
  const { pool, settings, logger } = deps;
  // A user always maps to the same lane, so one user's writes keep their order.
  const lanes = Array.from({ length: settings.lanes }, () =>
    createMicroBatcher<WriteRequest, Transaction>({
      batchMax: settings.batchMax,
      queueMax: Math.ceil(settings.queueMax / settings.lanes),
      // One request per (user, key) in a batch: a repeat waits for the next batch.
      keyOf: (request) => keyOf(request.command.userId, request.command.idempotencyKey),
      run: runLaneBatch,
      overloaded: () =>
        new WalletError("DEPENDENCY_UNAVAILABLE", "the wallet is overloaded, try again"),
    }),
  );

  function enqueue(request: WriteRequest): Promise<Transaction> {
    return present(
      lanes[Number(request.command.userId % BigInt(settings.lanes))],
      "the user's write lane",
    ).submit(request);
  }

  async function runLaneBatch(batch: WriteRequest[]): Promise<WriteOutcome[]> {
    const results = await executeBatch(batch);
    deps.backlog.accepted(
      batch.filter((request, i) => request.kind === "withdraw" && results[i]?.ok).length,
    );
    return results;
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
        const walletErr =
          err instanceof RetryableBatchError || err instanceof ChargeKeyRaceError
            ? undefined
            : fromPgError(err);
        const deadlock = (walletErr?.cause as { code?: string } | undefined)?.code;
        if (walletErr === undefined || deadlock === "40P01" || deadlock === "40001") {
          deps.observer?.onBatch(requests.length, elapsed(), "retried");
          continue;
        }
        // Alone, a request's statement error is its own answer (an overflowing charge, say).
        if (walletErr.code === "DEPENDENCY_UNAVAILABLE" || requests.length === 1) {
          deps.observer?.onBatch(requests.length, elapsed(), "failed");
          return requests.map(() => ({ ok: false, error: walletErr }));
        }
        logger.warn(
          { err, size: requests.length },
          "write batch failed; running its requests one by one",
        );
        break;
      }
    }
    if (requests.length === 1) {
      deps.observer?.onBatch(1, elapsed(), "failed");
      return [
        {
          ok: false,
          error: new WalletError(
            "DEPENDENCY_UNAVAILABLE",
            "the write kept losing races, try again",
          ),
        },
      ];
    }
    deps.observer?.onBatch(requests.length, elapsed(), "fallback");
    return runOneByOne(requests);
  }

  /**
   * Each request as a batch of its own. A user's requests run in arrival order, so they meet the
   * outcomes the batch would have given them; different users run concurrently.
   */
  async function runOneByOne(requests: WriteRequest[]): Promise<WriteOutcome[]> {
    const results = new Array<WriteOutcome>(requests.length);
    const indexesByUser = new Map<bigint, number[]>();
    requests.forEach((request, i) => {
      const indexes = indexesByUser.get(request.command.userId);
      if (indexes) indexes.push(i);
      else indexesByUser.set(request.command.userId, [i]);
    });
    await Promise.all(
      [...indexesByUser.values()].map(async (indexes) => {
        for (const i of indexes) {
          const [result] = await executeBatch([requests[i] as WriteRequest]);
          results[i] = present(result, "the answer of a batch of one");
        }
      }),
    );
    return results;
  }

  async function executeOnce(requests: WriteRequest[]): Promise<WriteOutcome[]> {
    if (requests.every((r) => r.kind === "charge"))
      return writeCharges(
        pool,
        requests.map((r) => r.command),
      );
    const client = await pool.connect();
    try {
      await client.query("begin");
      const results = await runInTransaction(client, requests);
      await client.query("commit");
      client.release();
      return results;
    } catch (err) {
      const usable = await client.query("rollback").then(
        () => isHealthy(client),
        () => false,
      );
      // A connection whose transaction failed oddly is not reused.
      client.release(!usable);
      throw err;
    }
  }

  async function runInTransaction(
    client: pg.PoolClient,
    requests: WriteRequest[],
  ): Promise<WriteOutcome[]> {
    const byUserId = (a: bigint, b: bigint) => (a < b ? -1 : a > b ? 1 : 0);
    const users = [...new Set(requests.map((r) => r.command.userId))].sort(byUserId);
    const charged = new Set(
      requests.filter((r) => r.kind === "charge").map((r) => r.command.userId),
    );
    const readRows = await client.query<BatchRead>(
      statements.read.bind({
        chargedUserIds: users.filter((u) => charged.has(u)).map(String),
        withdrawingUserIds: users.filter((u) => !charged.has(u)).map(String),
        keyUserIds: requests.map((r) => String(r.command.userId)),
        keys: requests.map((r) => r.command.idempotencyKey),
        countBacklog: requests.some((r) => r.kind === "withdraw") && deps.backlog.stale(),
      }),
    );
    const read = present(readRows.rows[0], "the batch read's row");
    if (read.pending_withdrawals !== null) deps.backlog.counted(read.pending_withdrawals);
    const { wallets, maturedLockIds, folded } = foldWallets(read);

    // Keys used before this batch: answered as duplicates with the original; no part in planning.
    const seen =
      read.seen_ids.length === 0
        ? []
        : (
            await client.query<TransactionRow>(statements.byIds.bind({ ids: read.seen_ids }))
          ).rows.map(toTransaction);
    const seenByKey = new Map(
      seen.map((tx) => [
        keyOf(tx.userId, present(tx.idempotencyKey, "key of a transaction found by it")),
        tx,
      ]),
    );
    const results: (WriteOutcome | undefined)[] = requests.map((request) => {
      const original = seenByKey.get(keyOf(request.command.userId, request.command.idempotencyKey));
      return original
        ? { ok: false, error: duplicateKeyError(original, writeIntent(request)) }
        : undefined;
    });

    const fresh = requests
      .map((request, index) => ({ request, index }))
      .filter(({ index }) => results[index] === undefined);
    const plan = planBatch(
      fresh.map(({ request }) => request),
      wallets,
      {
        now: read.now,
        pendingWithdrawals: deps.backlog.current(),
        withdrawalBacklogMax: settings.withdrawalBacklogMax,
      },
    );
    assert(plan.outcomes.length === fresh.length, "the batch plan must answer every fresh request");
    const accepted: AcceptedWrite[] = [];
    plan.outcomes.forEach((outcome, j) => {
      const { request, index } = fresh[j] as (typeof fresh)[number];
      if (outcome.accepted)
        accepted.push({
          request,
          index,
          id: randomUUID(),
          lockedUntilRelease: outcome.lockedUntilRelease,
        });
      else results[index] = { ok: false, error: outcome.error };
    });

    const toWrite = new Map(plan.changed);
    for (const userId of folded)
      if (!toWrite.has(userId))
        toWrite.set(userId, present(wallets.get(userId), "a folded wallet"));
    if (accepted.length > 0 || toWrite.size > 0) {
      const inserted = await write(client, accepted, toWrite, maturedLockIds);
      if (inserted.length !== accepted.length)
        throw new RetryableBatchError("an idempotency key was taken concurrently");
      const byId = new Map(inserted.map((row) => [row.id, toTransaction(row)]));
      for (const a of accepted)
        results[a.index] = { ok: true, value: present(byId.get(a.id), "an inserted transaction") };
    }
    return results.map((result) => present(result, "a request's outcome"));
  }

  return {
    charge: (command) => enqueue({ kind: "charge", command }),
    withdraw: (command) => enqueue({ kind: "withdraw", command }),
  };
}

/** The read's wallets with their matured locks folded (domain/balance.ts), and what the fold removes. */
function foldWallets(read: BatchRead): {
  wallets: Map<bigint, WalletParts>;
  maturedLockIds: string[];
  folded: Set<bigint>;
} {
  const locksByUser = new Map<string, BalanceLock[]>();
  for (const [userId, lock] of read.locks) {
    const locks = locksByUser.get(userId);
    if (locks) locks.push(toBalanceLock(lock));
    else locksByUser.set(userId, [toBalanceLock(lock)]);
  }
  const wallets = new Map<bigint, WalletParts>();
  const maturedLockIds: string[] = [];
  const folded = new Set<bigint>();
  for (const [userIdText, available, locked, pending] of read.wallets) {
    const userId = BigInt(userIdText);
    const stored = {
      availableMinor: BigInt(available),
      lockedMinor: BigInt(locked),
      pendingMinor: BigInt(pending),
    };
    const wallet = foldMaturedLocks(stored, locksByUser.get(userIdText) ?? [], read.now);
    wallets.set(userId, wallet.parts);
    if (wallet.matured.length > 0) folded.add(userId);
    for (const lock of wallet.matured) maturedLockIds.push(lock.transactionId);
  }
  return { wallets, maturedLockIds, folded };
}

/** Writes what the plan decided in one statement; returns the transactions it inserted. */
async function write(
  client: pg.PoolClient,
  accepted: readonly AcceptedWrite[],
  wallets: ReadonlyMap<bigint, WalletParts>,
  maturedLockIds: readonly string[],
): Promise<TransactionRow[]> {
  const balances = [...wallets.entries()];
  const locks = accepted.flatMap((a) =>
    a.lockedUntilRelease && a.request.kind === "charge" && a.request.command.releaseAt
      ? [{ ...a, releaseAt: a.request.command.releaseAt }]
      : [],
  );
  assert(
    locks.length === accepted.filter((a) => a.lockedUntilRelease).length,
    "a locked charge must have a release time",
  );
  const withdrawals = accepted.filter((a) => a.request.kind === "withdraw");
  try {
    const { rows } = await client.query<TransactionRow>(
      statements.write.bind({
        ids: accepted.map((a) => a.id),
        userIds: accepted.map((a) => String(a.request.command.userId)),
        types: accepted.map((a) => (a.request.kind === "charge" ? "charge" : "withdrawal")),
        amounts: accepted.map((a) => String(a.request.command.amountMinor)),
        statuses: accepted.map((a) => (a.request.kind === "charge" ? "completed" : "pending")),
        keys: accepted.map((a) => a.request.command.idempotencyKey),
        releaseAts: accepted.map((a) =>
          a.request.kind === "charge" ? (a.request.command.releaseAt?.toISOString() ?? null) : null,
        ),
        walletUserIds: balances.map(([userId]) => String(userId)),
        availables: balances.map(([, parts]) => String(parts.availableMinor)),
        lockeds: balances.map(([, parts]) => String(parts.lockedMinor)),
        pendings: balances.map(([, parts]) => String(parts.pendingMinor)),
        maturedLockIds,
        lockIds: locks.map((a) => a.id),
        lockUserIds: locks.map((a) => String(a.request.command.userId)),
        lockAmounts: locks.map((a) => String(a.request.command.amountMinor)),
        lockReleaseAts: locks.map((a) => a.releaseAt.toISOString()),
        withdrawalIds: withdrawals.map((a) => a.id),
      }),
    );
    return rows;
  } catch (err) {
    // A lock or outbox row pointing at a transaction that lost its key race.
    if ((err as { code?: string }).code === "23503")
      throw new RetryableBatchError("an idempotency key was taken concurrently");
    throw err;
  }
}

async function isHealthy(client: pg.PoolClient): Promise<boolean> {
  return client.query("select 1").then(
    () => true,
    () => false,
  );
}
