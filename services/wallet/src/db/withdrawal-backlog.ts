/**
 * The number of unsettled withdrawals, for the backlog bound. Counting them exactly costs a walk
 * over every pending withdrawal, which per write batch grew with the backlog itself and became the
 * largest cost of the batch under load. So the count is read from the database every `refreshMs`
 * and this instance adds what it accepted since; settlements show up at the next refresh.
 *
 * The bound is therefore approximate in two known ways: other instances' acceptances are seen up
 * to `refreshMs` late (the bound can be overshot by what they accept meanwhile), and a settled
 * withdrawal frees its place up to `refreshMs` late. Money is never at stake: the bound is
 * backpressure, not a balance rule.
 */
import type pg from "pg";
import type { Logger } from "@wallet/logger";

export interface WithdrawalBacklog {
  /** Unsettled withdrawals as last counted, plus those this instance accepted since. */
  current(): number;
  /** This instance committed `count` new withdrawals. */
  accepted(count: number): void;
  /** Counts now; resolves when the count is in. */
  refresh(): Promise<void>;
  stop(): void;
}

const countSql = "select count(*)::int as n from transactions where type = 'withdrawal' and status = 'pending'";

export function startWithdrawalBacklog(pool: pg.Pool, options: { refreshMs: number; logger: Logger }): WithdrawalBacklog {
  let counted = 0;
  let acceptedSinceCount = 0;
  let refreshing: Promise<void> | undefined;

  function refresh(): Promise<void> {
    refreshing ??= (async () => {
      // Acceptances committed while the count runs may or may not be in it; counting them again
      // errs on the side of refusing, which is the safe side of a bound.
      const acceptedBefore = acceptedSinceCount;
      try {
        const { rows } = await pool.query<{ n: number }>({ name: "withdrawal_backlog", text: countSql });
        counted = rows[0]?.n ?? 0;
        acceptedSinceCount -= acceptedBefore;
      } catch (err) {
        options.logger.warn({ err }, "could not count the withdrawal backlog; keeping the last count");
      } finally {
        refreshing = undefined;
      }
    })();
    return refreshing;
  }

  const timer = setInterval(() => void refresh(), options.refreshMs);
  timer.unref();

  return {
    current: () => counted + acceptedSinceCount,
    accepted(count) {
      acceptedSinceCount += count;
    },
    refresh,
    stop: () => clearInterval(timer),
  };
}
