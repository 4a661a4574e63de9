/**
 * The wallet's gRPC port: an HTTP/2 server on plain TCP sockets that serves the WalletService's
 * unary calls itself and passes every other stream (health, reflection, compressed calls, unknown
 * methods, anything not gRPC) through to the in-process grpc-js server on a loopback port.
 *
 * Why not node:http2 and grpc-js for every call: node:http2 turns each request header value into
 * an external string that only a full garbage collection frees, and a grpc-js call allocates
 * several kilobytes of objects that incremental marking keeps alive. In the wallet that made full
 * collections pause 25-45 ms every 2-3 s. 3-run benches of 2026-11-27 (medians), grpc-js on the
 * port against this front: charge-latency p99/p50 13.7x against 4.0x, charge-spread 11,763/s
 * against 13,658/s, balance-read 16,854/s against 33,795/s.
 *
 * What a call served here gets, as from grpc-js: metadata (Metadata.fromHttp2Headers), the
 * handler's response or error with its trailers, grpc-message percent-encoded, RESOURCE_EXHAUSTED
 * above the message bound, and cancellation when the client resets the stream. What it does not:
 * a server-side timer per call for grpc-timeout (the client enforces its deadline and resets the
 * stream, which cancels the call here).
 */
import net from "node:net";
import { closeGracefully } from "@wallet/http2-wire";
import type { Logger } from "@wallet/logger";
import { FrontConnection, type FrontLimits, type UnaryRoute } from "./front-connection.js";
import { createUpstream } from "./upstream.js";

export type { UnaryRoute } from "./front-connection.js";

export interface FrontOptions extends FrontLimits {
  host: string;
  port: number;
  /** The grpc-js server that takes every stream not served here, as host:port. */
  upstreamAddress: string;
  /** Unary methods served here, by path. */
  routes: ReadonlyMap<string, UnaryRoute>;
  logger: Pick<Logger, "warn">;
}

export interface FrontServer {
  readonly port: number;
  /**
   * Sends GOAWAY on every connection and stops listening; calls already taken finish. After
   * `graceMs` the connections still open are cut.
   */
  close(graceMs: number): Promise<void>;
}

export async function startFrontServer(options: FrontOptions): Promise<FrontServer> {
  const upstream = createUpstream(options.upstreamAddress);
  const connections = new Set<FrontConnection>();
  const server = net.createServer((socket) => {
    const connection = new FrontConnection(socket, { routes: options.routes, upstream, limits: options, logger: options.logger }, () => connections.delete(connection));
    connections.add(connection);
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  return {
    port: (server.address() as net.AddressInfo).port,
    close: async (graceMs) => {
      await closeGracefully(server, connections, graceMs);
      upstream.close();
    },
  };
}
