/**
 * The no-op baselines' server, one of two kinds (NOOP_TRANSPORT):
 *
 * - `grpc-js` (grpc-noop): grpc-js serving only the standard grpc.health.v1 service, whose Check
 *   answers at once. Driven by the same load generator as the wallet, it measures what gRPC itself
 *   costs on this machine, so the wallet's figures can be read against it.
 * - `frames` (frames-noop-latency): frames-noop.ts, which answers every call at once on HTTP/2
 *   frames it reads and writes itself: the floor under any Node gRPC server here.
 */
import { Server, ServerCredentials } from "@grpc/grpc-js";
import { HealthImplementation } from "grpc-health-check";
import { loadConfigOrExit, portVar, z } from "@wallet/config";
import { createLogger } from "@wallet/logger";
import { listenFramesNoop } from "./frames-noop.js";
import { noopReadyMessage, noopTransports } from "./noop-server-launcher.js";

const config = loadConfigOrExit(
  "noop-server",
  z.object({
    NOOP_GRPC_HOST: z.string().min(1).default("127.0.0.1"),
    NOOP_GRPC_PORT: portVar(0),
    NOOP_TRANSPORT: z.enum(noopTransports).default("grpc-js"),
  }),
);
const logger = createLogger("noop-server");
/** How long a stop waits for calls in flight before it cuts connections. */
const stopGraceMs = 2_000;

async function listen(): Promise<{ port: number; stop(): Promise<void> }> {
  if (config.NOOP_TRANSPORT === "frames") {
    // A bound on each connection's streams; the bench's clients wait for room rather than be refused.
    const server = await listenFramesNoop({ host: config.NOOP_GRPC_HOST, port: config.NOOP_GRPC_PORT, concurrentStreamsMax: 1_000 });
    return { port: server.port, stop: () => server.close(stopGraceMs) };
  }
  const server = new Server();
  new HealthImplementation({ "": "SERVING" }).addToServer(server);
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync(`${config.NOOP_GRPC_HOST}:${config.NOOP_GRPC_PORT}`, ServerCredentials.createInsecure(), (err, bound) => (err ? reject(err) : resolve(bound))),
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
    logger.info({ port, transport: config.NOOP_TRANSPORT }, noopReadyMessage);
    const onSignal = () => void stop().then(() => process.exit(0));
    process.once("SIGTERM", onSignal);
    process.once("SIGINT", onSignal);
  },
  (err: unknown) => {
    logger.fatal({ err }, "listen failed");
    process.exit(1);
  },
);
