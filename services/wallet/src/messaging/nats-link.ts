/**
 * The wallet's NATS connection. It connects in the background and keeps reconnecting forever, so
 * the wallet serves (and accepts withdrawals into the outbox) while NATS is down; whoever needs
 * JetStream asks `connected()` and waits for `onReady`.
 */
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { jetstream, jetstreamManager, type JetStreamClient, type JetStreamManager } from "@nats-io/jetstream";
import { ensureStreams, type StreamLimits, type Topology } from "@wallet/messages";
import type { Logger } from "@wallet/logger";

export interface NatsReady {
  nc: NatsConnection;
  js: JetStreamClient;
  jsm: JetStreamManager;
}

export interface NatsLink {
  /** true while the connection is up. */
  connected(): boolean;
  /** The JetStream handles once connected and the streams exist; undefined before. */
  ready(): NatsReady | undefined;
  /** Resolves once the first connection is up and the streams are ensured. */
  whenReady(): Promise<NatsReady>;
  /** Drains the connection (flushes pending publishes and acks) and closes it. */
  close(): Promise<void>;
}

export function startNatsLink(options: {
  url: string;
  name: string;
  topology: Topology;
  streamLimits: StreamLimits;
  requestTimeoutMs: number;
  logger: Logger;
}): NatsLink {
  const { logger } = options;
  let handles: NatsReady | undefined;
  let up = false;
  let closing = false;
  let resolveReady!: (ready: NatsReady) => void;
  const readyPromise = new Promise<NatsReady>((resolve) => (resolveReady = resolve));

  const connecting = (async () => {
    const nc = await connect({
      servers: options.url,
      name: options.name,
      maxReconnectAttempts: -1,
      reconnectTimeWait: 500,
      waitOnFirstConnect: true,
      timeout: options.requestTimeoutMs,
      // Every outbox publish is a request, and by default each builds two errors with stacks in
      // case it fails (6% of the wallet's CPU under withdrawals); the logs give a failure its context.
      noAsyncTraces: true,
    });
    if (closing) {
      await nc.close();
      return undefined;
    }
    up = true;
    void (async () => {
      for await (const status of nc.status()) {
        if (status.type === "disconnect") {
          up = false;
          logger.warn("nats disconnected");
        } else if (status.type === "reconnect") {
          up = true;
          logger.info("nats reconnected");
        }
      }
    })();
    const jsm = await jetstreamManager(nc, { timeout: options.requestTimeoutMs });
    // Streams are ensured once; a NATS server that lost them on restart gets them back from
    // whichever service starts next (settlement ensures them too).
    for (;;) {
      try {
        await ensureStreams(jsm, options.topology, options.streamLimits);
        break;
      } catch (err) {
        if (closing) return nc;
        logger.warn({ err }, "could not ensure streams yet, retrying");
        await new Promise((resolve) => setTimeout(resolve, 1_000));
      }
    }
    handles = { nc, js: jetstream(nc, { timeout: options.requestTimeoutMs }), jsm };
    logger.info({ url: options.url }, "nats ready");
    resolveReady(handles);
    return nc;
  })().catch((err: unknown) => {
    logger.error({ err }, "nats connection failed for good");
    return undefined;
  });

  return {
    connected: () => up,
    ready: () => handles,
    whenReady: () => readyPromise,
    async close() {
      closing = true;
      const nc = handles?.nc ?? (up ? await connecting : undefined);
      if (nc && !nc.isClosed()) await nc.drain().catch(() => nc.close());
    },
  };
}
