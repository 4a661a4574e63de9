/**
 * The HTTP server: routes each request, writes the route's reply (or breaks the connection when
 * the reply says so), times every request, and stops within a bound.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { Socket } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import type { Logger } from "@wallet/logger";
import type { BankSimMetrics } from "./metrics.js";
import { errorReply, type Reply } from "./reply.js";
import type { Route } from "./routes.js";

export interface HttpServerOptions {
  readonly host: string;
  readonly port: number;
  readonly route: (method: string, path: string) => Route;
  readonly metrics: BankSimMetrics;
  readonly logger: Logger;
}

export interface HttpServer {
  readonly port: number;
  /**
   * Stops accepting, drops hanging requests (they would never be answered anyway), waits up to
   * `graceMs` for `busy()` to turn false, then closes every connection.
   */
  stop(graceMs: number, busy: () => boolean): Promise<void>;
}

export async function startHttpServer(options: HttpServerOptions): Promise<HttpServer> {
  const { logger, metrics } = options;
  // Sockets held open by a hang, each with the timer that destroys it.
  const held = new Map<Socket, NodeJS.Timeout>();

  const hold = (socket: Socket, ms: number) => {
    if (socket.destroyed) return;
    const timer = setTimeout(() => socket.destroy(), ms);
    held.set(socket, timer);
    socket.once("close", () => {
      clearTimeout(timer);
      held.delete(socket);
    });
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const startedAt = process.hrtime.bigint();
    const path = (req.url ?? "/").split("?")[0] ?? "/";
    const route = options.route(req.method ?? "GET", path);
    res.once("close", () => {
      // A response never finished is one the simulator destroyed (hang, lost response) or one the client gave up on.
      const status = res.writableFinished ? String(res.statusCode) : "destroyed";
      const seconds = Number(process.hrtime.bigint() - startedAt) / 1e9;
      metrics.requestDuration.observe({ route: route.name, status }, seconds);
    });
    let reply: Reply;
    try {
      reply = await route.handle(req, path);
    } catch (err) {
      logger.error({ err, method: req.method, path }, "request failed");
      reply = errorReply(500, "INTERNAL", "internal error");
    }
    writeReply(req, res, reply, hold);
  };

  const server = createServer((req, res) => void handle(req, res));
  server.keepAliveTimeout = 5_000;
  const port = await new Promise<number>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host, () => {
      server.off("error", reject);
      const address = server.address();
      resolve(typeof address === "object" && address !== null ? address.port : options.port);
    });
  });

  return {
    port,
    async stop(graceMs, busy) {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const socket of held.keys()) socket.destroy();
      const deadline = Date.now() + graceMs;
      while (busy() && Date.now() < deadline) await sleep(20);
      // Latency waits that outlived the grace are cut: their connections break, an unknown outcome.
      server.closeAllConnections();
      await closed;
    },
  };
}

function writeReply(
  req: IncomingMessage,
  res: ServerResponse,
  reply: Reply,
  hold: (socket: Socket, ms: number) => void,
) {
  switch (reply.kind) {
    case "json": {
      const body = JSON.stringify(reply.body);
      const headers: Record<string, string | number> = {
        "content-type": "application/json",
        "content-length": Buffer.byteLength(body),
        ...reply.headers,
      };
      // A body that was refused part-way (413) is still arriving; closing is cheaper than draining it.
      if (!req.complete) headers.connection = "close";
      res.writeHead(reply.status, headers).end(body);
      return;
    }
    case "text":
      res.writeHead(reply.status, { "content-type": reply.contentType }).end(reply.body);
      return;
    case "destroy":
      req.socket.destroy();
      return;
    case "hold":
      hold(req.socket, reply.ms);
      return;
  }
}
