/** GET /health (the wallet's gRPC health), GET /metrics (Prometheus) and GET /openapi.json. */
import type { FastifyInstance } from "fastify";
import type { Registry } from "@wallet/metrics";
import type { WalletHealthCheck } from "../wallet-health.js";
import { healthSchema } from "../schemas.js";

export function registerOpsRoutes(
  app: FastifyInstance,
  deps: { walletHealth: WalletHealthCheck; registry: Registry },
): void {
  app.get("/health", { schema: healthSchema }, async (_request, reply) => {
    const wallet = await deps.walletHealth.check();
    return reply
      .code(wallet ? 200 : 503)
      .send({ status: wallet ? "ok" : "degraded", dependencies: { wallet } });
  });

  app.get("/metrics", { schema: { hide: true } }, async (_request, reply) => {
    const text = await deps.registry.metrics();
    return reply.type(deps.registry.contentType).send(text);
  });

  app.get("/openapi.json", { schema: { hide: true } }, async () => app.swagger());
}
