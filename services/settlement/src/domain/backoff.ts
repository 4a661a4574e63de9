/**
 * How long to wait before retrying a payout whose outcome is unknown: capped exponential backoff
 * with "equal jitter". The ceiling doubles with each attempt up to `maxMs`; the delay is drawn
 * uniformly from the upper half of it, so retries of many withdrawals that failed together (a
 * bank outage) spread out instead of arriving as one wave, and no retry comes back immediately.
 */

export interface BackoffPolicy {
  /** The ceiling after the first failed attempt. */
  baseMs: number;
  /** No delay is longer than this. */
  maxMs: number;
}

/** A source of uniform numbers in [0, 1); Math.random in production, fixed in tests. */
export type Random = () => number;

/**
 * The delay after attempt number `attempt` (1 for the first) failed with an unknown outcome.
 * Attempt n has the ceiling min(maxMs, baseMs * 2^(n-1)) and a delay in [ceiling/2, ceiling].
 */
export function backoffDelayMs(
  attempt: number,
  policy: BackoffPolicy,
  random: Random = Math.random,
): number {
  if (!Number.isInteger(attempt) || attempt < 1)
    throw new RangeError(`attempt must be a positive integer, got ${attempt}`);
  if (policy.baseMs < 0 || policy.maxMs < policy.baseMs)
    throw new RangeError("backoff needs 0 <= baseMs <= maxMs");
  // 2^30 times any sane base is past any sane maximum; the cap keeps the arithmetic finite.
  const ceilingMs = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.min(attempt - 1, 30));
  const halfMs = ceilingMs / 2;
  const draw = Math.min(Math.max(random(), 0), 1);
  return Math.round(halfMs + draw * halfMs);
}
