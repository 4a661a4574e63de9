/**
 * The database side of settlement: claiming outbox rows for publishing, applying results, and
 * the operator's view of parked withdrawals. Results are applied many per transaction: the
 * withdrawals they name are read under lock, domain/settlement-plan.ts decides what each result
 * changes (a duplicate or late one changes nothing), and one set-based statement writes that.
 */
import { randomUUID } from "node:crypto";
import type pg from "pg";
import type { WithdrawalRequested, WithdrawalResult } from "@wallet/messages";
import { planSettlement, type SettlementPlan } from "../domain/settlement-plan.js";
import { namedStatement } from "./named-statement.js";
import { fromPgError } from "./pg-errors.js";
import type { PgRow } from "./pg-row.js";
import type { transactions } from "./schema.js";

export interface OutboxEntry extends WithdrawalRequested {
  publishAttempts: number;
}

export interface OutboxBatch {
  entries: OutboxEntry[];
  /** Deletes the published entries and records the failures, then commits the claim. */
  finish(published: OutboxEntry[], failed: { entry: OutboxEntry; error: string }[]): Promise<void>;
  /** Releases the claim without changes. */
  abandon(): Promise<void>;
}

export type ApplyOutcome = "applied" | "ignored";

export interface ParkedWithdrawal {
  id: string;
  userId: bigint;
  amountMinor: bigint;
  parkedAt: Date;
  reason: string | null;
  retries: number;
}

export interface OutboxStats {
  backlog: number;
  oldestAgeSeconds: number;
}

// Rows younger than $2 ms are left to the relay of the wallet that committed them.
const claimSql = `
select o.transaction_id, o.attempt, o.publish_attempts, t.user_id::text, t.amount::text
from outbox o join transactions t on t.id = o.transaction_id
where o.created_at <= now() - $2::int * interval '1 millisecond'
order by o.created_at
limit $1
for update of o skip locked`;

const deletePublishedSql =
  "delete from outbox where (transaction_id, attempt) in (select * from unnest($1::uuid[], $2::int[]))";

// The withdrawals a batch of results names, locked in id order (so two batches holding the
// same ids queue rather than deadlock) for the plan to judge. `id = any($1)` states the primary
// key lookup.
const settleRead = namedStatement(
  "settle_read",
  ["ids"],
  (p) =>
    `select id, user_id, type, status, amount from transactions where id = any(${p("ids")}::uuid[]) order by id for update`,
);

// What domain/settlement-plan.ts decided, in one statement. Wallets are locked in user_id order,
// as the write batcher locks them, so the two never deadlock; their parts move relatively, by
// the plan's amounts, under that lock.
const settleWrite = namedStatement(
  "settle_write",
  [
    "completedIds",
    "bankReferences",
    "failedIds",
    "failureReasons",
    "refundIds",
    "refundUserIds",
    "refundAmounts",
    "parkedIds",
    "parkedReasons",
    "moveUserIds",
    "settledAmounts",
    "refundedAmounts",
  ],
  (p) => `
with completed as (
  update transactions t set status = 'completed', bank_reference = v.bank_reference, parked_at = null, parked_reason = null, updated_at = now()
  from unnest(${p("completedIds")}::uuid[], ${p("bankReferences")}::text[]) as v(id, bank_reference)
  where t.id = v.id
), failed as (
  update transactions t set status = 'failed', failure_reason = v.reason, related_transaction_id = v.refund_id,
    parked_at = null, parked_reason = null, updated_at = now()
  from unnest(${p("failedIds")}::uuid[], ${p("failureReasons")}::text[], ${p("refundIds")}::uuid[]) as v(id, reason, refund_id)
  where t.id = v.id
), refunds as (
  insert into transactions (id, user_id, type, amount, status, related_transaction_id)
  select refund_id, user_id, 'refund', amount, 'completed', withdrawal_id
  from unnest(${p("refundIds")}::uuid[], ${p("refundUserIds")}::bigint[], ${p("refundAmounts")}::bigint[], ${p("failedIds")}::uuid[])
    as r(refund_id, user_id, amount, withdrawal_id)
), parked as (
  update transactions t set parked_at = now(), parked_reason = v.reason, updated_at = now()
  from unnest(${p("parkedIds")}::uuid[], ${p("parkedReasons")}::text[]) as v(id, reason)
  where t.id = v.id
), locked as (
  select user_id from wallets where user_id = any(${p("moveUserIds")}::bigint[]) order by user_id for update
)
update wallets w set pending = w.pending - m.settled, available = w.available + m.refunded, updated_at = now()
from unnest(${p("moveUserIds")}::bigint[], ${p("settledAmounts")}::bigint[], ${p("refundedAmounts")}::bigint[]) as m(user_id, settled, refunded)
join locked l on l.user_id = m.user_id
where w.user_id = m.user_id`,
);

type SettlingRow = PgRow<typeof transactions, "id" | "userId" | "type" | "status" | "amount">;

const deletePublishedValues = (entries: readonly WithdrawalRequested[]) => [
  entries.map((e) => e.transactionId),
  entries.map((e) => e.attempt),
];

/** The plan's decisions as the write statement's arrays. */
function settleWriteValues(plan: SettlementPlan) {
  const completed = plan.decisions.filter((d) => d.kind === "complete");
  const failed = plan.decisions.filter((d) => d.kind === "fail");
  const parked = plan.decisions.filter((d) => d.kind === "park");
  const moves = [...plan.moves.entries()];
  return {
    completedIds: completed.map((d) => d.withdrawalId),
    bankReferences: completed.map((d) => d.bankReference),
    failedIds: failed.map((d) => d.withdrawalId),
    failureReasons: failed.map((d) => d.reason),
    refundIds: failed.map((d) => d.refundId),
    refundUserIds: failed.map((d) => String(d.userId)),
    refundAmounts: failed.map((d) => String(d.amountMinor)),
    parkedIds: parked.map((d) => d.withdrawalId),
    parkedReasons: parked.map((d) => d.reason),
    moveUserIds: moves.map(([userId]) => String(userId)),
    settledAmounts: moves.map(([, m]) => String(m.settledMinor)),
    refundedAmounts: moves.map(([, m]) => String(m.refundedMinor)),
  };
}

export function createSettlementStore(pool: pg.Pool) {
  async function run<R extends pg.QueryResultRow>(
    name: string,
    text: string,
    values: unknown[],
  ): Promise<R[]> {
    try {
      return (await pool.query<R>({ name, text, values })).rows;
    } catch (err) {
      throw fromPgError(err);
    }
  }

  return {
    /**
     * Claims up to `limit` unpublished rows at least `minAgeMs` old; other relays skip them until
     * finish/abandon.
     */
    async claimOutbox(limit: number, minAgeMs: number): Promise<OutboxBatch | undefined> {
      const client = await pool.connect().catch((err: unknown) => Promise.reject(fromPgError(err)));
      try {
        await client.query("begin");
        const { rows } = await client.query<{
          transaction_id: string;
          attempt: number;
          publish_attempts: number;
          user_id: string;
          amount: string;
        }>({ name: "outbox_claim", text: claimSql, values: [limit, minAgeMs] });
        if (rows.length === 0) {
          await client.query("commit");
          client.release();
          return undefined;
        }
        const entries = rows.map((row) => ({
          transactionId: row.transaction_id,
          userId: BigInt(row.user_id),
          amountMinor: BigInt(row.amount),
          attempt: row.attempt,
          publishAttempts: row.publish_attempts,
        }));
        let released = false;
        const release = (err?: Error) => {
          if (!released) client.release(err);
          released = true;
        };
        return {
          entries,
          async finish(published, failed) {
            try {
              if (published.length > 0) {
                await client.query({
                  name: "outbox_delete",
                  text: deletePublishedSql,
                  values: deletePublishedValues(published),
                });
              }
              for (const { entry, error } of failed) {
                await client.query({
                  name: "outbox_failed",
                  text: "update outbox set publish_attempts = publish_attempts + 1, last_error = $3 where transaction_id = $1 and attempt = $2",
                  values: [entry.transactionId, entry.attempt, error.slice(0, 500)],
                });
              }
              await client.query("commit");
              release();
            } catch (err) {
              release(err as Error);
              throw fromPgError(err);
            }
          },
          async abandon() {
            await client.query("rollback").then(
              () => release(),
              (err: unknown) => release(err instanceof Error ? err : new Error(String(err))),
            );
          },
        };
      } catch (err) {
        client.release(err as Error);
        throw fromPgError(err);
      }
    },

    /** Deletes rows whose publish JetStream acknowledged, outside any claim, in one statement. */
    async deletePublished(published: readonly WithdrawalRequested[]): Promise<void> {
      if (published.length > 0)
        await run("outbox_delete", deletePublishedSql, deletePublishedValues(published));
    },

    /**
     * Applies results in one statement and says, per result, whether it changed anything.
     * Transaction ids must be distinct: a batch holds at most one result per withdrawal.
     */

    async applyResults(results: readonly WithdrawalResult[]): Promise<ApplyOutcome[]> {
      if (new Set(results.map((r) => r.transactionId)).size !== results.length) {
        throw new RangeError("applyResults takes at most one result per transaction");
      }
      if (results.length === 0) return [];
      const client = await pool.connect().catch((err: unknown) => Promise.reject(fromPgError(err)));
      try {
        await client.query("begin");
        const { rows } = await client.query<SettlingRow>(
          settleRead.bind({ ids: results.map((r) => r.transactionId) }),
        );
        const current = new Map(
          rows.map((row) => [
            row.id,
            {
              id: row.id,
              userId: BigInt(row.user_id),
              type: row.type,
              status: row.status,
              amountMinor: BigInt(row.amount),
            },
          ]),
        );
        const plan = planSettlement(results, current, randomUUID);
        if (plan.decisions.length > 0)
          await client.query(settleWrite.bind(settleWriteValues(plan)));
        await client.query("commit");
        client.release();
        return plan.outcomes;
      } catch (err) {
        await client.query("rollback").catch(() => undefined);
        client.release(err as Error);
        throw fromPgError(err);
      }
    },

    async outboxStats(): Promise<OutboxStats> {
      const [row] = await run<{ backlog: number; oldest_age_seconds: number }>(
        "outbox_stats",
        "select count(*)::int as backlog, coalesce(extract(epoch from now() - min(created_at)), 0)::float8 as oldest_age_seconds from outbox",
        [],
      );
      return { backlog: row?.backlog ?? 0, oldestAgeSeconds: row?.oldest_age_seconds ?? 0 };
    },

    async listParked(limit: number): Promise<ParkedWithdrawal[]> {
      const rows = await run<{
        id: string;
        user_id: string;
        amount: string;
        parked_at: Date;
        parked_reason: string | null;
        settlement_retries: number;
      }>(
        "parked_list",
        `select id, user_id::text, amount::text, parked_at, parked_reason, settlement_retries from transactions
         where parked_at is not null and status = 'pending' order by parked_at limit $1`,
        [limit],
      );
      return rows.map((row) => ({
        id: row.id,
        userId: BigInt(row.user_id),
        amountMinor: BigInt(row.amount),
        parkedAt: row.parked_at,
        reason: row.parked_reason,
        retries: row.settlement_retries,
      }));
    },

    async countParked(): Promise<number> {
      const [row] = await run<{ n: number }>(
        "parked_count",
        "select count(*)::int as n from transactions where parked_at is not null and status = 'pending'",
        [],
      );
      return row?.n ?? 0;
    },

    /**
     * Sends parked withdrawals to settlement again: clears the mark and queues a new outbox row
     * with the next attempt number (its own Nats-Msg-Id), in one statement. The bank key stays
     * the transaction id, so a retry can never pay twice. Returns the ids that were retried.
     */
    async retryParked(ids: readonly string[] | "all"): Promise<string[]> {
      const rows = await run<{ id: string }>(
        "parked_retry",
        `with retried as (
           update transactions set parked_at = null, parked_reason = null, settlement_retries = settlement_retries + 1, updated_at = now()
           where parked_at is not null and status = 'pending' and ($1::uuid[] is null or id = any($1::uuid[]))
           returning id, settlement_retries
         ), queued as (
           insert into outbox (transaction_id, attempt) select id, settlement_retries from retried
         )
         select id from retried`,
        [ids === "all" ? null : ids],
      );
      return rows.map((row) => row.id);
    },
  };
}

export type SettlementStore = ReturnType<typeof createSettlementStore>;
