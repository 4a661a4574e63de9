/**
 * The database side of settlement: claiming outbox rows for publishing, applying results, and
 * the operator's view of parked withdrawals. Each result is applied by one statement guarded on
 * `status = 'pending'`, so a duplicate or late result matches no row and changes nothing.
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

const claimSql = `
select o.transaction_id, o.attempt, o.publish_attempts, t.user_id::text, t.amount::text
from outbox o join transactions t on t.id = o.transaction_id
order by o.created_at
limit $1
for update of o skip locked`;

const completeSql = `
with w as (
  update transactions set status = 'completed', bank_reference = $2, parked_at = null, parked_reason = null, updated_at = now()
  where id = $1 and type = 'withdrawal' and status = 'pending'
  returning user_id, amount
)
update wallets set pending = wallets.pending - w.amount, updated_at = now()
from w where wallets.user_id = w.user_id
returning wallets.user_id`;

// The refund id is drawn first so the withdrawal and its refund can point at each other.
const failSql = `
with r as (select gen_random_uuid() as refund_id),
w as (
  update transactions set status = 'failed', failure_reason = $2, related_transaction_id = (select refund_id from r),
    parked_at = null, parked_reason = null, updated_at = now()
  where id = $1 and type = 'withdrawal' and status = 'pending'
  returning id, user_id, amount
), refund as (
  insert into transactions (id, user_id, type, amount, status, related_transaction_id)
  select (select refund_id from r), user_id, 'refund', amount, 'completed', id from w
)
update wallets set pending = wallets.pending - w.amount, available = wallets.available + w.amount, updated_at = now()
from w where wallets.user_id = w.user_id
returning wallets.user_id`;

const parkSql = `
update transactions set parked_at = now(), parked_reason = $2, updated_at = now()
where id = $1 and type = 'withdrawal' and status = 'pending'
returning id`;

export function createSettlementStore(pool: pg.Pool) {
  async function run<R extends pg.QueryResultRow>(name: string, text: string, values: unknown[]): Promise<R[]> {
    try {
      return (await pool.query<R>({ name, text, values })).rows;
    } catch (err) {
      throw fromPgError(err);
    }
  }

  return {
    /** Claims up to `limit` unpublished rows; other relays skip them until finish/abandon. */
    async claimOutbox(limit: number): Promise<OutboxBatch | undefined> {
      const client = await pool.connect().catch((err: unknown) => Promise.reject(fromPgError(err)));
      try {
        await client.query("begin");
        const { rows } = await client.query<{
          transaction_id: string;
          attempt: number;
          publish_attempts: number;
          user_id: string;
          amount: string;
        }>({ name: "outbox_claim", text: claimSql, values: [limit] });
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
                  text: "delete from outbox where (transaction_id, attempt) in (select * from unnest($1::uuid[], $2::int[]))",
                  values: [published.map((e) => e.transactionId), published.map((e) => e.attempt)],
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
              (err: Error) => release(err),
            );
          },
        };
      } catch (err) {
        client.release(err as Error);
        throw fromPgError(err);
      }
    },

    async applyResult(result: WithdrawalResult): Promise<ApplyOutcome> {
      let rows: unknown[];
      if (result.outcome === "completed") {
        rows = await run("settle_complete", completeSql, [result.transactionId, result.bankReference]);
      } else if (result.outcome === "failed") {
        rows = await run("settle_fail", failSql, [result.transactionId, result.reason ?? "rejected by the bank"]);
      } else {
        rows = await run("settle_park", parkSql, [result.transactionId, result.reason ?? "settlement gave up"]);
      }
      return rows.length > 0 ? "applied" : "ignored";
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
