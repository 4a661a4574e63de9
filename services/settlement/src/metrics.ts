/** Settlement's Prometheus metrics, registered once per process. */
import { Counter, Gauge, Histogram, latencyBucketsSeconds, type Registry } from "@wallet/metrics";
import type { BankOutcome } from "./domain/bank-outcome.js";

export interface SettlementMetrics {
  /** Records one finished bank call: its outcome, the reason when unknown, and its duration. */
  bankCall(outcome: BankOutcome, durationSeconds: number): void;
  bankCallsInFlight: Gauge;
  redeliveries: Counter;
  retriesScheduled: Counter;
  results: Counter<"outcome">;
  resultPublishFailures: Counter;
  parked: Counter;
  poisonMessages: Counter;
}

export function createSettlementMetrics(registry: Registry): SettlementMetrics {
  const bankCalls = new Counter({
    name: "settlement_bank_calls_total",
    help: "Payout calls to the bank by outcome (paid, rejected, unknown) and kind (the reason an outcome is unknown).",
    labelNames: ["outcome", "kind"] as const,
    registers: [registry],
  });
  const bankCallDuration = new Histogram({
    name: "settlement_bank_call_duration_seconds",
    help: "Duration of payout calls to the bank, by outcome.",
    labelNames: ["outcome"] as const,
    buckets: latencyBucketsSeconds,
    registers: [registry],
  });
  return {
    bankCall(outcome, durationSeconds) {
      const kind = outcome.outcome === "unknown" ? outcome.kind : outcome.outcome;
      bankCalls.inc({ outcome: outcome.outcome, kind });
      bankCallDuration.observe({ outcome: outcome.outcome }, durationSeconds);
    },
    bankCallsInFlight: new Gauge({
      name: "settlement_bank_calls_in_flight",
      help: "Payout calls to the bank currently in flight in this instance.",
      registers: [registry],
    }),
    redeliveries: new Counter({
      name: "settlement_redeliveries_total",
      help: "Withdrawal requests delivered more than once (a retry after backoff, a crash, or an expired ack wait).",
      registers: [registry],
    }),
    retriesScheduled: new Counter({
      name: "settlement_retries_scheduled_total",
      help: "Withdrawal requests handed back to JetStream for a retry after backoff.",
      registers: [registry],
    }),
    results: new Counter({
      name: "settlement_results_published_total",
      help: "Settlement results durably published, by outcome (completed, failed, parked).",
      labelNames: ["outcome"] as const,
      registers: [registry],
    }),
    resultPublishFailures: new Counter({
      name: "settlement_result_publish_failures_total",
      help: "Results JetStream did not acknowledge; their requests are retried.",
      registers: [registry],
    }),
    parked: new Counter({
      name: "settlement_parked_total",
      help: "Withdrawals parked for an operator after the attempt limit with unknown bank outcomes.",
      registers: [registry],
    }),
    poisonMessages: new Counter({
      name: "settlement_poison_messages_total",
      help: "Malformed withdrawal requests terminated without a bank call.",
      registers: [registry],
    }),
  };
}
