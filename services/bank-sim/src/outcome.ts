/** What the simulated bank does with one payout request it processes. */
import type { Behaviour } from "./behaviour.js";
import { randomIntInclusive, type Random } from "./random.js";

export const outcomes = ["paid", "rejected", "error", "hang", "lost_response"] as const;

/**
 * - paid: money moves; answered 200.
 * - rejected: refused for good, nothing moves; answered 422.
 * - error: transient failure, nothing moves or is remembered; answered 500 or 503.
 * - hang: never answered, nothing moves; the socket is destroyed after a bound.
 * - lost_response: money moves and is remembered, but the socket is destroyed unanswered.
 */
export type Outcome = (typeof outcomes)[number];

export function isOutcome(value: unknown): value is Outcome {
  return typeof value === "string" && (outcomes as readonly string[]).includes(value);
}

/** Draws an outcome from the behaviour's rates; whatever the rates leave over is paid. */
export function pickOutcome(behaviour: Behaviour, random: Random): Outcome {
  const draw = random();
  let threshold = behaviour.rejectRate;
  if (draw < threshold) return "rejected";
  threshold += behaviour.errorRate;
  if (draw < threshold) return "error";
  threshold += behaviour.hangRate;
  if (draw < threshold) return "hang";
  threshold += behaviour.lostResponseRate;
  if (draw < threshold) return "lost_response";
  return "paid";
}

/** Draws a processing latency, uniform over the behaviour's [min, max]. */
export function pickLatencyMs(behaviour: Behaviour, random: Random): number {
  return randomIntInclusive(random, behaviour.latencyMsMin, behaviour.latencyMsMax);
}

/** Reasons a real bank gives for refusing a payout; the simulator picks one at random. */
export const rejectionReasons = [
  "account_closed",
  "account_not_found",
  "payout_limit_exceeded",
  "beneficiary_blocked",
];
