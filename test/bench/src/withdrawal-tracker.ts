/**
 * Follows withdrawals to the end of settlement through the wallet's database: a withdrawal is
 * done when its row says completed, and its accepted-to-completed latency is the row's
 * updated_at minus created_at, both stamped by PostgreSQL's clock. Reading the table after the
 * run, instead of polling GetTransaction during it, adds no load to the system being measured.
 */
import pg from "pg";
import { createLatencyHistogram, type LatencyPercentilesMs } from "./latency-histogram.js";
import { sleep } from "@wallet/test-kit";

export interface Window {
  fromEpochMs: number;
  toEpochMs: number;
  /**
   * Only withdrawals accepted from this instant on are counted as completions, so ones an
   * earlier scenario left behind cannot inflate the rate.
   */
  acceptedFromEpochMs: number;
}

export interface WithdrawalFigures {
  /** Withdrawals whose completion landed in the window: the steady-state throughput. */
  completions: number;
  completionsPerSec: number;
  /** The slowest whole second of the window, to show whether the rate held or sagged. */
  completionsPerSecMin: number;
  /** Withdrawals accepted in the window. */
  accepted: number;
  /** Accepted in the window and still pending when measured; their age so far is in the latency. */
  unfinished: number;
  failed: number;
  /** Completed since the load began, whether accepted in the window or during warm-up. */
  completedSinceLoadStart: number;
  /** Accepted → completed for withdrawals accepted in the window; unfinished ones count with their age so far. */
  latencyMs: LatencyPercentilesMs | undefined;
}

export interface WithdrawalTracker {
  /** Waits until no withdrawal is pending, up to `timeoutMs`; returns how many still are. */
  waitForNoPending(timeoutMs: number, createdBeforeEpochMs?: number): Promise<number>;
  measure(window: Window): Promise<WithdrawalFigures>;
  close(): Promise<void>;
}

const pollIntervalMs = 200;

/** Withdrawals still pending that were created in [from, before); an end left out is open. */
export async function countPendingWithdrawals(
  pool: pg.Pool,
  created: { from?: Date; before?: Date },
): Promise<number> {
  const { rows } = await pool.query<{ n: number }>(
    `select count(*)::int as n from transactions where type = 'withdrawal' and status = 'pending'
     and ($1::timestamptz is null or created_at >= $1) and ($2::timestamptz is null or created_at < $2)`,
    [created.from ?? null, created.before ?? null],
  );
  return rows[0]?.n ?? 0;
}

export function createWithdrawalTracker(databaseUrl: string): WithdrawalTracker {
  // One connection is plenty: a handful of queries between scenarios.
  const pool = new pg.Pool({
    connectionString: databaseUrl,
    max: 1,
    application_name: "wallet-bench",
  });

  const pendingCount = (createdBeforeEpochMs: number | undefined) =>
    countPendingWithdrawals(
      pool,
      createdBeforeEpochMs === undefined ? {} : { before: new Date(createdBeforeEpochMs) },
    );

  return {
    async waitForNoPending(timeoutMs, createdBeforeEpochMs) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const pending = await pendingCount(createdBeforeEpochMs);
        if (pending === 0 || Date.now() >= deadline) return pending;
        await sleep(pollIntervalMs);
      }
    },

    async measure(window) {
      const from = new Date(window.fromEpochMs);
      const to = new Date(window.toEpochMs);
      const windowSeconds = (window.toEpochMs - window.fromEpochMs) / 1000;
      const perSecond = await pool.query<{ second: number; n: string }>(
        `select floor(extract(epoch from updated_at - $1::timestamptz))::int as second, count(*) as n from transactions
         where type = 'withdrawal' and status = 'completed' and updated_at >= $1 and updated_at < $2 and created_at >= $3
         group by 1`,
        [from, to, new Date(window.acceptedFromEpochMs)],
      );
      const completions = perSecond.rows.reduce((sum, row) => sum + Number(row.n), 0);
      // Whole seconds only (a trailing partial second would look like a sag); a second with no
      // completion has no row and counts as zero.
      const wholeSeconds = Math.floor(windowSeconds);
      const countsBySecond = new Map(perSecond.rows.map((row) => [row.second, Number(row.n)]));
      const completionsPerSecMin =
        wholeSeconds === 0
          ? completions / windowSeconds
          : Math.min(
              ...Array.from(
                { length: wholeSeconds },
                (_, second) => countsBySecond.get(second) ?? 0,
              ),
            );

      const accepted = await pool.query<{ status: string; latency_ms: number }>(
        `select status,
                extract(epoch from (case when status = 'pending' then clock_timestamp() else updated_at end) - created_at)::float8 * 1000 as latency_ms
         from transactions where type = 'withdrawal' and created_at >= $1 and created_at < $2`,
        [from, to],
      );
      const histogram = createLatencyHistogram();
      let unfinished = 0;
      let failed = 0;
      for (const row of accepted.rows) {
        if (row.status === "failed") {
          failed++;
          continue;
        }
        if (row.status === "pending") unfinished++;
        histogram.record(row.latency_ms);
      }
      const sinceLoadStart = await pool.query<{ n: string }>(
        "select count(*) as n from transactions where type = 'withdrawal' and status = 'completed' and created_at >= $1",
        [new Date(window.acceptedFromEpochMs)],
      );
      return {
        completions,
        completedSinceLoadStart: Number(sinceLoadStart.rows[0]?.n ?? 0),
        completionsPerSec: completions / windowSeconds,
        completionsPerSecMin,
        accepted: accepted.rows.length,
        unfinished,
        failed,
        latencyMs: histogram.summary(),
      };
    },

    close: () => pool.end(),
  };
}
