/**
 * Prometheus metrics: one registry per process with the default process metrics, labelled by
 * service, and an ops HTTP server that exposes `/metrics` and `/health` for services whose main
 * protocol is not HTTP (wallet: gRPC; settlement: JetStream).
 */
import { createServer, type Server } from "node:http";
import { collectDefaultMetrics, Registry } from "prom-client";

export { Counter, Gauge, Histogram, Registry } from "prom-client";

/** Latency buckets in seconds, from 0.5 ms to 10 s. */
export const latencyBucketsSeconds = [
  0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
];

export function createMetricsRegistry(service: string): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry });
  return registry;
}

export interface HealthReport {
  /** true when the service can do its work. */
  ok: boolean;
  /** Each dependency's state: true when reachable. */
  dependencies: Record<string, boolean>;
}

export interface OpsServer {
  readonly port: number;
  close(): Promise<void>;
}

/** Serves GET /metrics (Prometheus text) and GET /health (200 or 503 with a JSON report). */
export async function startOpsServer(options: {
  host: string;
  port: number;
  registry: Registry;
  health: () => HealthReport;
}): Promise<OpsServer> {
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0];
    if (req.method === "GET" && path === "/metrics") {
      options.registry.metrics().then(
        (text) => {
          res.writeHead(200, { "content-type": options.registry.contentType });
          res.end(text);
        },
        () => {
          res.writeHead(500).end();
        },
      );
      return;
    }
    if (req.method === "GET" && path === "/health") {
      const report = options.health();
      res.writeHead(report.ok ? 200 : 503, { "content-type": "application/json" });
      res.end(
        JSON.stringify({
          status: report.ok ? "ok" : "degraded",
          dependencies: report.dependencies,
        }),
      );
      return;
    }
    res.writeHead(404, { "content-type": "application/json" });
    res.end(JSON.stringify({ error: { code: "NOT_FOUND", message: "no such route" } }));
  });
  server.keepAliveTimeout = 5_000;
  const port = await new Promise<number>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host, () => {
      const address = server.address();
      resolve(typeof address === "object" && address ? address.port : options.port);
    });
  });
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
