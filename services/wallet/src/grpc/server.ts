/**
 * Assembles the gRPC server: WalletService, standard health, and reflection, on grpc-js; by
 * default behind the wallet's own HTTP/2 front (front/), which serves WalletService itself.
 */
import { Server, ServerCredentials, type ServiceDefinition, type UntypedServiceImplementation } from "@grpc/grpc-js";
import { HealthImplementation, type ServingStatus } from "grpc-health-check";
import type { Logger } from "@wallet/logger";
import { WalletServiceService, type WalletServiceServer } from "@wallet/proto";
import { startFrontServer, type UnaryRoute } from "./front/front-server.js";
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
  /**
   * Serve WalletService's calls on the front (front/front-server.ts), with grpc-js behind it on a
   * loopback port for every other stream; undefined puts grpc-js on the port for everything.
   */
  front: { concurrentStreamsMax: number } | undefined;
  /** Told when the stream table cannot be used, and when a front handler throws. */
  logger: Pick<Logger, "warn">;
}

/** Bound on one request's header block: nghttp2's default for the header list node accepts. */
const headerBlockBytesMax = 64 * 1024;
/** Bytes of a passed-through answer (a reflection reply, say) held for a slow client before grpc-js is paused. */
const passThroughBufferBytesMax = 1024 * 1024;
/** Answers queued on a connection's socket for a client that does not read them, before its requests stop being read. */
const socketBufferBytesMax = 4 * 1024 * 1024;

export async function startGrpcServer(service: WalletServiceServer, options: GrpcServerOptions): Promise<GrpcServer> {
  const server = new Server({
    "grpc.max_receive_message_length": options.maxReceiveMessageBytes,
    "grpc.keepalive_permit_without_calls": 1,
    // channelz bookkeeping allocates per call (5% of the wallet's allocations under load), and
    // nothing here serves the channelz service.
    "grpc.enable_channelz": 0,
  });
  const definition = withTolerantDecoders(WalletServiceService);
  server.addService(definition, service);
  const health = new HealthImplementation({ "": "NOT_SERVING", [walletServiceName]: "NOT_SERVING" });
  health.addToServer(server);
  addReflection(server);

  // Behind the front, grpc-js listens on loopback only, on a port of the system's choosing.
  const grpcAddress = options.front ? "127.0.0.1:0" : `${options.host}:${options.port}`;
  const grpcPort = await new Promise<number>((resolve, reject) =>
    server.bindAsync(grpcAddress, ServerCredentials.createInsecure(), (err, boundPort) => (err ? reject(err) : resolve(boundPort))),
  );
  const front = options.front
    ? await startFrontServer({
        host: options.host,
        port: options.port,
        upstreamAddress: `127.0.0.1:${grpcPort}`,
        routes: unaryRoutes(definition, service),
        maxReceiveMessageBytes: options.maxReceiveMessageBytes,
        concurrentStreamsMax: options.front.concurrentStreamsMax,
        headerBlockBytesMax,
        passThroughBufferBytesMax,
        socketBufferBytesMax,
        logger: options.logger,
      }).catch((err: unknown) => {
        server.forceShutdown();
        throw err;
      })
    : undefined;
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
    port: front?.port ?? grpcPort,
    setServing,
    async shutdown(graceMs) {
      setServing(false);
      const startedAt = Date.now();
      await front?.close(graceMs);
      graceMs = Math.max(0, graceMs - (Date.now() - startedAt));
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

/** The service's unary methods as the front serves them: path, codecs, handler. */
function unaryRoutes(definition: ServiceDefinition, implementation: UntypedServiceImplementation): Map<string, UnaryRoute> {
  const routes = new Map<string, UnaryRoute>();
  for (const [name, method] of Object.entries(definition)) {
    const handle = implementation[name];
    if (method.requestStream || method.responseStream || typeof handle !== "function") continue;
    routes.set(method.path, {
      deserialize: method.requestDeserialize,
      serialize: method.responseSerialize,
      handle: handle as UnaryRoute["handle"],
    });
  }
  return routes;
}
