/**
 * What to do with a withdrawal request after one bank call: publish a final result, or hand the
 * message back to JetStream to be redelivered after a backoff. Attempts are counted by JetStream
 * (the message's delivery count), so no worker is blocked while a retry waits and the count
 * survives crashes and restarts.
 */
import type { SettlementOutcome } from "@wallet/messages";
import { backoffDelayMs, type BackoffPolicy, type Random } from "./backoff.js";
import { bankTextMaxChars, type BankOutcome } from "./bank-outcome.js";

export interface RetryPolicy {
  /** Deliveries with an unknown outcome before the withdrawal is parked for an operator. */
  maxAttempts: number;
  backoff: BackoffPolicy;
}

export type SettlementDecision =
  | { action: "publish"; outcome: SettlementOutcome; bankReference?: string; reason?: string }
  | { action: "retry"; delayMs: number };

/**
 * `attempt` is the 1-based delivery count of the message. A definitive bank answer is published
 * whatever the attempt; an unknown one is retried until `maxAttempts`, then parked. Parking is
 * never a refusal: the wallet keeps the money pending until an operator retries.
 */
export function decideSettlement(
  outcome: BankOutcome,
  attempt: number,
  policy: RetryPolicy,
  random?: Random,
): SettlementDecision {
  switch (outcome.outcome) {
    case "paid":
      return { action: "publish", outcome: "completed", bankReference: outcome.bankReference };
    case "rejected":
      return { action: "publish", outcome: "failed", reason: outcome.reason };
    case "unknown":
      if (attempt >= policy.maxAttempts) {
        const reason = `no definitive bank answer after ${attempt} attempts; last: ${outcome.kind}: ${outcome.detail}`;
        return { action: "publish", outcome: "parked", reason: reason.slice(0, bankTextMaxChars) };
      }
      return { action: "retry", delayMs: backoffDelayMs(attempt, policy.backoff, random) };
  }
}
