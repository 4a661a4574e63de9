/**
 * The database side of settlement: claiming outbox rows for publishing, applying results, and
 * the operator's view of parked withdrawals. Results are applied many per statement, each guarded
 * on `status = 'pending'`, so a duplicate or late result matches no row and changes nothing.
 */
import type pg from "pg";
import type { WithdrawalRequested, WithdrawalResult } from "@wallet/messages";
import { fromPgError } from "./pg-errors.js";

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

const deletePublishedSql = "delete from outbox where (transaction_id, attempt) in (select * from unnest($1::uuid[], $2::int[]))";

// Applies a batch of results in one statement; each transaction id appears at most once. A
// result applies only to a withdrawal still pending, so a duplicate or late one matches no row.
// A failure draws its refund id in the UPDATE so the withdrawal and the refund point at each
// other. Balances move once per user (a row can be updated only once per statement), after the
// wallets are locked in user_id order as the write batcher locks them, so the two never deadlock.
// The plan must look each id up by primary key. Given `status = 'pending'` as a constant, the
// planner may instead walk the whole pending-withdrawals partial index (every pending withdrawal,
// per batch; seen under load, with statistics a few seconds old), so the guard's value comes from
// a subquery it cannot match to the index predicate, and `t.id = any($1)` states the key lookup.
const applyResultsSql = `
with input as (
  select * from unnest($1::uuid[], $2::text[], $3::text[], $4::text[]) as i(id, outcome, bank_reference, reason)
), settled as (
  update transactions t set
    status = i.outcome,
    bank_reference = case when i.outcome = 'completed' then i.bank_reference else t.bank_reference end,
    failure_reason = case when i.outcome = 'failed' then i.reason else t.failure_reason end,
    related_transaction_id = case when i.outcome = 'failed' then gen_random_uuid() else t.related_transaction_id end,
    parked_at = null, parked_reason = null, updated_at = now()
  from input i
  where t.id = any($1::uuid[]) and t.id = i.id and i.outcome in ('completed', 'failed') and t.type = 'withdrawal' and t.status = (select 'pending')
  returning t.id, t.user_id, t.amount, t.status, t.related_transaction_id
), parked as (
  update transactions t set parked_at = now(), parked_reason = i.reason, updated_at = now()
  from input i
  where t.id = any($1::uuid[]) and t.id = i.id and i.outcome = 'parked' and t.type = 'withdrawal' and t.status = (select 'pending')
  returning t.id
), refunds as (
  insert into transactions (id, user_id, type, amount, status, related_transaction_id)
  select related_transaction_id, user_id, 'refund', amount, 'completed', id from settled where status = 'failed'
), moved as (
  select user_id, sum(amount) as settled, coalesce(sum(amount) filter (where status = 'failed'), 0) as refunded
  from settled group by user_id
), locked as (
  select w.user_id from wallets w where w.user_id in (select user_id from moved) order by w.user_id for update
), balances as (
  update wallets w set pending = w.pending - m.settled, available = w.available + m.refunded, updated_at = now()
  from moved m join locked l on l.user_id = m.user_id
  where w.user_id = m.user_id
)
select id from settled union all select id from parked`;

const deletePublishedValues = (entries: readonly WithdrawalRequested[]) => [entries.map((e) => e.transactionId), entries.map((e) => e.attempt)];

const defaultReason: Record<WithdrawalResult["outcome"], string | null> = {
  completed: null,
  failed: "rejected by the bank",
  parked: "settlement gave up",
};

export function createSettlementStore(pool: pg.Pool) {
  async function run<R extends pg.QueryResultRow>(name: string, text: string, values: unknown[]): Promise<R[]> {
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
                await client.query({ name: "outbox_delete", text: deletePublishedSql, values: deletePublishedValues(published) });
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
              (err: Error) => release(err),
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
      if (published.length > 0) await run("outbox_delete", deletePublishedSql, deletePublishedValues(published));
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
      const rows = await run<{ id: string }>("settle_results", applyResultsSql, [
        results.map((r) => r.transactionId),
        results.map((r) => r.outcome),
        results.map((r) => r.bankReference ?? null),
        results.map((r) => r.reason ?? defaultReason[r.outcome]),
      ]);
      const applied = new Set(rows.map((row) => row.id));
      return results.map((r) => (applied.has(r.transactionId) ? "applied" : "ignored"));
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
      const rows = await run<{ id: string; user_id: string; amount: string; parked_at: Date; parked_reason: string | null; settlement_retries: number }>(
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
