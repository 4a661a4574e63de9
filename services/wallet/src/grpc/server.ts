/** Assembles the gRPC server: WalletService, standard health, and reflection. */
import { Server, ServerCredentials } from "@grpc/grpc-js";
import { HealthImplementation, type ServingStatus } from "grpc-health-check";
import type { Logger } from "@wallet/logger";
import { WalletServiceService, type WalletServiceServer } from "@wallet/proto";
import { useStreamTables } from "./http2-stream-table.js";
import { withTolerantDecoders } from "./malformed-request.js";
import { addReflection } from "./reflection.js";

export const walletServiceName = "wallet.v1.WalletService";

export interface GrpcServer {
  readonly port: number;
  setServing(serving: boolean): void;
  /** Stops taking calls and waits for in-flight ones up to `graceMs`, then cuts the rest. */
  shutdown(graceMs: number): Promise<void>;
}

export interface GrpcServerOptions {
  host: string;
  port: number;
  /** Incoming message size bound; a wallet request is tiny. */
  maxReceiveMessageBytes: number;
  /** Keep sessions' streams in a StreamTable (http2-stream-table.ts). */
  http2StreamTable: boolean;
  /** Told when the stream table cannot be used. */
  logger: Pick<Logger, "warn">;
}

export async function startGrpcServer(service: WalletServiceServer, options: GrpcServerOptions): Promise<GrpcServer> {
  const server = new Server({
    "grpc.max_receive_message_length": options.maxReceiveMessageBytes,
    "grpc.keepalive_permit_without_calls": 1,
    // channelz bookkeeping allocates per call (5% of the wallet's allocations under load), and
    // nothing here serves the channelz service.
    "grpc.enable_channelz": 0,
  });
  server.addService(withTolerantDecoders(WalletServiceService), service);
  const health = new HealthImplementation({ "": "NOT_SERVING", [walletServiceName]: "NOT_SERVING" });
  health.addToServer(server);
  addReflection(server);

  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync(`${options.host}:${options.port}`, ServerCredentials.createInsecure(), (err, boundPort) =>
      err ? reject(err) : resolve(boundPort),
    ),
  );
  let warned = false;
  const unavailable = (what: string) => {
    if (!warned) options.logger.warn(`${what}: sessions keep node:http2's stream Map (more garbage collection under load)`);
    warned = true;
  };
  if (options.http2StreamTable && !useStreamTables(server, () => unavailable("an HTTP/2 session's state is not as expected"))) {
    unavailable("grpc-js's HTTP/2 servers are not reachable");
  }

  const setServing = (serving: boolean) => {
    const value: ServingStatus = serving ? "SERVING" : "NOT_SERVING";
    health.setStatus("", value);
    health.setStatus(walletServiceName, value);
  };

  return {
    port,
    setServing,
    async shutdown(graceMs) {
      setServing(false);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          server.forceShutdown();
          resolve();
        }, graceMs);
        server.tryShutdown(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    },
  };
}
