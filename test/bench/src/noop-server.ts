/**
 * grpc-noop's server: grpc-js serving only the standard grpc.health.v1 service, whose Check
 * answers at once. The wallet is served by grpc-js too, so driven by the same load generator this
 * measures what the RPC layer itself costs on this machine, and the wallet's figures (calls per
 * second, CPU per call, latency at a rate) can be read against it.
 */
import { Server, ServerCredentials } from "@grpc/grpc-js";
import { HealthImplementation } from "grpc-health-check";
import { loadConfigOrExit, portVar, z } from "@wallet/config";
import { createLogger } from "@wallet/logger";
import { noopReadyMessage } from "./noop-server-launcher.js";

const config = loadConfigOrExit(
  "noop-server",
  z.object({
    NOOP_GRPC_HOST: z.string().min(1).default("127.0.0.1"),
    NOOP_GRPC_PORT: portVar(0),
  }),
);
const logger = createLogger("noop-server");
/** How long a stop waits for calls in flight before it cuts connections. */
const stopGraceMs = 2_000;

async function listen(): Promise<{ port: number; stop(): Promise<void> }> {
  const server = new Server();
  new HealthImplementation({ "": "SERVING" }).addToServer(server);
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync(
      `${config.NOOP_GRPC_HOST}:${config.NOOP_GRPC_PORT}`,
      ServerCredentials.createInsecure(),
      (err, bound) => (err ? reject(err) : resolve(bound)),
    ),
  );
  return {
    port,
    stop: () =>
      new Promise<void>((resolve) => {
        const cut = setTimeout(() => server.forceShutdown(), stopGraceMs);
        server.tryShutdown(() => {
          clearTimeout(cut);
          resolve();
        });
      }),
  };
}

listen().then(
  ({ port, stop }) => {
    logger.info({ port }, noopReadyMessage);
    const onSignal = () => void stop().then(() => process.exit(0));
    process.once("SIGTERM", onSignal);
    process.once("SIGINT", onSignal);
  },
  (err: unknown) => {
    logger.fatal({ err }, "listen failed");
    process.exit(1);
  },
);
