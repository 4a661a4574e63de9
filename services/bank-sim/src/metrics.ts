/** bank-sim's Prometheus metrics: payouts by result, money movements, request latency. */
import { Counter, Gauge, Histogram, latencyBucketsSeconds, type Registry } from "@wallet/metrics";

export interface BankSimMetrics {
  /** POST /payouts by result: an outcome, or replayed, in_progress, key_reused, ledger_full, invalid, abandoned. */
  readonly payoutRequests: Counter<"result">;
  /** Times money moved; compare with the ledger's paid count to spot a double payout. */
  readonly payments: Counter;
  readonly requestDuration: Histogram<"route" | "status">;
}

export function createBankSimMetrics(registry: Registry, inFlight: () => number): BankSimMetrics {
  new Gauge({
    name: "bank_sim_payouts_in_flight",
    help: "Payout attempts inside their latency wait.",
    registers: [registry],
    collect() {
      this.set(inFlight());
    },
  });
  return {
    payoutRequests: new Counter({
      name: "bank_sim_payout_requests_total",
      help: "POST /payouts requests by result.",
      labelNames: ["result"],
      registers: [registry],
    }),
    payments: new Counter({
      name: "bank_sim_payments_total",
      help: "Payouts where money moved (paid or lost_response).",
      registers: [registry],
    }),
    requestDuration: new Histogram({
      name: "bank_sim_http_request_duration_seconds",
      help: "Time from request to answer (or to the socket being destroyed), by route and status.",
      labelNames: ["route", "status"],
      buckets: latencyBucketsSeconds,
      registers: [registry],
    }),
  };
}
