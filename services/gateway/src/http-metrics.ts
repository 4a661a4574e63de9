/**
 * HTTP request metrics, labelled by method, route template (never the raw URL, so ids and query
 * strings cannot blow up the label set) and status code.
 */
import { Counter, Histogram, latencyBucketsSeconds, type Registry } from "@wallet/metrics";

export interface HttpMetrics {
  observe(method: string, route: string, statusCode: number, durationSeconds: number): void;
}

/** The route label of a request that matched no route. */
export const unmatchedRoute = "unmatched";

export function createHttpMetrics(registry: Registry): HttpMetrics {
  const labelNames = ["method", "route", "status_code"] as const;
  const requests = new Counter({
    name: "http_requests_total",
    help: "HTTP requests answered, by method, route and status code.",
    labelNames,
    registers: [registry],
  });
  const duration = new Histogram({
    name: "http_request_duration_seconds",
    help: "Time from receiving an HTTP request to finishing its answer, in seconds.",
    labelNames,
    buckets: latencyBucketsSeconds,
    registers: [registry],
  });
  return {
    observe(method, route, statusCode, durationSeconds) {
      const labels = { method, route, status_code: String(statusCode) };
      requests.inc(labels);
      duration.observe(labels, durationSeconds);
    },
  };
}
