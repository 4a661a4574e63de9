/**
 * The gateway process as a value: start it with a config, stop it gracefully. main.ts runs one;
 * it logs "gateway listening" with the port once it accepts requests.
 */
import type { Logger } from "@wallet/logger";
import { createMetricsRegistry } from "@wallet/metrics";
import { createWalletClient } from "@wallet/proto";
import type { GatewayConfig } from "./config.js";
import { createGatewayServer } from "./server.js";
import { createWalletHealthCheck } from "./wallet-health.js";

export interface GatewayApp {
  readonly port: number;
  stop(): Promise<void>;
}

export async function startGatewayApp(config: GatewayConfig, logger: Logger): Promise<GatewayApp> {
  const wallet = createWalletClient(config.WALLET_GRPC_URL, config.WALLET_DEADLINE_MS);
  const walletHealth = createWalletHealthCheck(
    config.WALLET_GRPC_URL,
    config.WALLET_HEALTH_TIMEOUT_MS,
  );
  const server = await createGatewayServer({
    wallet,
    walletHealth,
    registry: createMetricsRegistry("gateway"),
    logger,
    limits: {
      bodyLimitBytes: config.GATEWAY_BODY_LIMIT_BYTES,
      bodyDiscardMaxBytes: config.GATEWAY_BODY_DISCARD_MAX_BYTES,
      bodyDiscardTimeoutMs: config.GATEWAY_BODY_DISCARD_TIMEOUT_MS,
      pageMax: config.GATEWAY_PAGE_MAX,
      keepAliveTimeoutMs: config.GATEWAY_KEEP_ALIVE_TIMEOUT_MS,
    },
  });
  await server.listen({ host: config.GATEWAY_HOST, port: config.GATEWAY_PORT });
  const address = server.server.address();
  const port = typeof address === "object" && address ? address.port : config.GATEWAY_PORT;
  logger.info({ port, walletAddress: config.WALLET_GRPC_URL }, "gateway listening");

  return {
    port,
    async stop() {
      // close() stops accepting and waits for in-flight requests; past the grace period the
      // remaining connections are cut so shutdown stays bounded.
      const cut = setTimeout(() => server.server.closeAllConnections(), config.SHUTDOWN_GRACE_MS);
      try {
        await server.close();
      } finally {
        clearTimeout(cut);
        wallet.close();
        walletHealth.close();
      }
    },
  };
}
