/**
 * The grpc-noop baseline's server: grpc-js serving only the standard grpc.health.v1 service,
 * whose Check answers at once. Driven by the same load generator as the wallet, it measures what
 * gRPC itself costs on this machine, so the wallet's figures can be read against it.
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
const server = new Server();
new HealthImplementation({ "": "SERVING" }).addToServer(server);
server.bindAsync(`${config.NOOP_GRPC_HOST}:${config.NOOP_GRPC_PORT}`, ServerCredentials.createInsecure(), (err, port) => {
  if (err) {
    logger.fatal({ err }, "bind failed");
    process.exit(1);
  }
  logger.info({ port }, noopReadyMessage);
});
const stop = () => server.tryShutdown(() => process.exit(0));
process.once("SIGTERM", stop);
process.once("SIGINT", stop);
