/**
 * Assembles the gRPC server: WalletService, standard health, and reflection, on @grpc/grpc-js over
 * node:http2 (nghttp2). Every limit is one of grpc-js's or node's documented options; the wallet
 * carries no HTTP/2 code of its own. The listening socket is the wallet's own `net.Server`, handed
 * to grpc-js through its public connection injector, so that the number of connections a process
 * holds has a bound (`maxConnections`), which grpc-js's `bindAsync` offers no option for.
 */
import net from "node:net";
import {
  Server,
  ServerCredentials,
  type ConnectionInjector,
  type ServerOptions,
} from "@grpc/grpc-js";
import { HealthImplementation, type ServingStatus } from "grpc-health-check";
import { WalletServiceService, type WalletServiceServer } from "@wallet/proto";
import { withTolerantDecoders } from "./malformed-request.js";
import { addReflection } from "./reflection.js";

export const walletServiceName = "wallet.v1.WalletService";

export interface GrpcServer {
  readonly port: number;
  setServing(serving: boolean): void;
  /** Stops taking calls and waits for in-flight ones up to `graceMs`, then cuts the rest. */
  shutdown(graceMs: number): Promise<void>;
}

/** The bounds of the gRPC port; each maps to one documented grpc-js or node option. */
export interface GrpcServerLimits {
  /** Incoming message size bound; a wallet request is tiny. */
  maxReceiveMessageBytes: number;
  /** SETTINGS_MAX_CONCURRENT_STREAMS: calls one connection may have open at once. */
  concurrentStreamsMax: number;
  /** nghttp2's memory per connection (header tables, queued frames); past it new streams are refused. */
  sessionMemoryMb: number;
  /** Connections the process accepts at once; more are closed as they arrive. */
  connectionsMax: number;
  /** A connection with no call open this long is sent GOAWAY and closed. */
  connectionIdleMs: number;
  /** A connection is asked to go away after this long (±10% jitter), then cut after the grace. */
  connectionAgeMs: number;
  connectionAgeGraceMs: number;
  /** The server pings a quiet connection this often and drops it when no answer comes in the timeout. */
  keepaliveTimeMs: number;
  keepaliveTimeoutMs: number;
}

export interface GrpcServerOptions {
  host: string;
  port: number;
  limits: GrpcServerLimits;
}

/** grpc-js's documented server options for the wallet's limits. */
export function grpcServerOptions(limits: GrpcServerLimits): ServerOptions {
  return {
    "grpc.max_receive_message_length": limits.maxReceiveMessageBytes,
    "grpc.max_concurrent_streams": limits.concurrentStreamsMax,
    "grpc-node.max_session_memory": limits.sessionMemoryMb,
    "grpc.max_connection_idle_ms": limits.connectionIdleMs,
    "grpc.max_connection_age_ms": limits.connectionAgeMs,
    "grpc.max_connection_age_grace_ms": limits.connectionAgeGraceMs,
    "grpc.keepalive_time_ms": limits.keepaliveTimeMs,
    "grpc.keepalive_timeout_ms": limits.keepaliveTimeoutMs,
    // channelz bookkeeping allocates per call, and nothing here serves the channelz service.
    "grpc.enable_channelz": 0,
  };
}

export async function startGrpcServer(
  service: WalletServiceServer,
  options: GrpcServerOptions,
): Promise<GrpcServer> {
  const server = new Server(grpcServerOptions(options.limits));
  server.addService(withTolerantDecoders(WalletServiceService), service);
  const health = new HealthImplementation({
    "": "NOT_SERVING",
    [walletServiceName]: "NOT_SERVING",
  });
  health.addToServer(server);
  addReflection(server);

  const injector = server.createConnectionInjector(ServerCredentials.createInsecure());
  const listener = await listen(injector, options);

  const setServing = (serving: boolean) => {
    const value: ServingStatus = serving ? "SERVING" : "NOT_SERVING";
    health.setStatus("", value);
    health.setStatus(walletServiceName, value);
  };

  return {
    port: (listener.address() as net.AddressInfo).port,
    setServing,
    async shutdown(graceMs) {
      setServing(false);
      const closed = new Promise<void>((resolve) => listener.close(() => resolve()));
      // GOAWAY to every connection; calls already taken may finish within the grace.
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
      await closed;
    },
  };
}

function listen(injector: ConnectionInjector, options: GrpcServerOptions): Promise<net.Server> {
  const listener = net.createServer({ noDelay: true }, (socket) =>
    injector.injectConnection(socket),
  );
  // Past the bound, node closes each new connection as it is accepted.
  listener.maxConnections = options.limits.connectionsMax;
  return new Promise((resolve, reject) => {
    listener.once("error", reject);
    listener.listen(options.port, options.host, () => {
      listener.off("error", reject);
      resolve(listener);
    });
  });
}
