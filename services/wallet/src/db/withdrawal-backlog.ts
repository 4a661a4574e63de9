/**
 * The number of unsettled withdrawals, for the backlog bound. Counting them walks every pending
 * withdrawal, and doing that in every write batch made it the largest part of the batch's read
 * statement under load, growing with the backlog itself
 * (docs/decisions/2026-11-27-wallet-write-batches.md). So a batch counts only when the last count is older than
 * `refreshMs`, inside its own transaction (so the count is exact as of its snapshot), and in
 * between the instance adds the withdrawals it commits itself.
 *
 * With one write lane (the default) the bound is exact for what this instance accepts. What other
 * instances accept, what other lanes commit while a count is taken, and what settlement frees are
 * seen at the next count, at most `refreshMs` later. The bound is backpressure, not a balance rule:
 * no money depends on it.
 */
/** Counts the unsettled withdrawals; the statements that check the bound embed it. */
export const pendingWithdrawalsCountSql =
  "select count(*)::int from transactions where type = 'withdrawal' and status = 'pending'";

export interface WithdrawalBacklog {
  /** Whether the next batch should count the backlog in its own transaction. */
  stale(): boolean;
  /** A batch counted `count` unsettled withdrawals as of its snapshot. */
  counted(count: number): void;
  /** Unsettled withdrawals as last counted, plus those this instance committed since. */
  current(): number;
  /** This instance committed `count` new withdrawals. */
  accepted(count: number): void;
}

export function createWithdrawalBacklog(options: {
  refreshMs: number;
  nowMs?: () => number;
}): WithdrawalBacklog {
  const nowMs = options.nowMs ?? (() => performance.now());
  let lastCountMs: number | undefined;
  let count = 0;
  let acceptedSinceCount = 0;
  return {
    stale: () => lastCountMs === undefined || nowMs() - lastCountMs >= options.refreshMs,
    counted(counted) {
      count = counted;
      acceptedSinceCount = 0;
      lastCountMs = nowMs();
    },
    current: () => count + acceptedSinceCount,
    accepted(accepted) {
      acceptedSinceCount += accepted;
    },
  };
}
