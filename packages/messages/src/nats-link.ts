/**
 * The one way a service connects to NATS: a named connection that reconnects forever, logs its
 * status changes, ensures the streams, and drains on close. Both services open theirs with
 * `startNatsLink`; they differ only in the values they pass, chiefly the start-up policy
 * (`waitForServer`): the wallet serves while NATS is down and connects whenever it can, while
 * settlement has nothing to do without NATS, so its start fails when the first attempt does.
 */
import { connect, type NatsConnection } from "@nats-io/transport-node";
import {
  jetstream,
  jetstreamManager,
  type JetStreamClient,
  type JetStreamManager,
} from "@nats-io/jetstream";
import { ensureStreams, type StreamLimits, type Topology } from "./topology.js";

/** The log calls the link makes; a pino logger is one. */
export interface NatsLinkLogger {
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
}

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
  /**
   * Resolves once the first connection is up and the streams are ensured. Without
   * `waitForServer` it rejects if either fails, and the connection is closed.
   */
  whenReady(): Promise<NatsReady>;
  /** Drains the connection (flushes pending publishes and acks) and closes it. */
  close(): Promise<void>;
}

export interface NatsLinkOptions {
  url: string;
  /** The connection's name, as the server lists it. */
  name: string;
  topology: Topology;
  streamLimits: StreamLimits;
  /** Pause between reconnect attempts; they never stop. */
  reconnectWaitMs: number;
  /** Bounds connecting and each JetStream API request; without it the client's defaults apply. */
  requestTimeoutMs?: number;
  /**
   * true: the first connection and the streams are retried until they succeed (or close() is
   * called), in the background. false: the first failure of either rejects `whenReady`.
   */
  waitForServer: boolean;
  logger: NatsLinkLogger;
}

/** Pause between attempts to ensure the streams while waiting for the server. */
const ensureStreamsRetryMs = 1_000;

export function startNatsLink(options: NatsLinkOptions): NatsLink {
  const { logger, waitForServer } = options;
  // Only when set: the JetStream clients take an explicit `timeout: undefined` as no timeout.
  const timeout =
    options.requestTimeoutMs === undefined ? {} : { timeout: options.requestTimeoutMs };
  let handles: NatsReady | undefined;
  let up = false;
  let closing = false;
  let settle!: { resolve(ready: NatsReady): void; reject(err: unknown): void };
  const readyPromise = new Promise<NatsReady>((resolve, reject) => (settle = { resolve, reject }));
  // A failed start reaches whoever awaits whenReady(); unawaited, it is no unhandled rejection.
  readyPromise.catch(() => undefined);

  // Streams are ensured once per start; a NATS server that lost them on restart gets them back
  // from whichever service starts next.
  /** false when close() was called while waiting for the server. */
  async function ensureStreamsOrRetry(jsm: JetStreamManager): Promise<boolean> {
    for (;;) {
      try {
        await ensureStreams(jsm, options.topology, options.streamLimits);
        return true;
      } catch (err) {
        if (!waitForServer) throw err;
        if (closing) return false;
        logger.warn({ err }, "could not ensure streams yet, retrying");
        await new Promise((resolve) => setTimeout(resolve, ensureStreamsRetryMs));
      }
    }
  }

  const connecting = (async () => {
    const nc = await connect({
      servers: options.url,
      name: options.name,
      maxReconnectAttempts: -1,
      reconnectTimeWait: options.reconnectWaitMs,
      waitOnFirstConnect: waitForServer,
      ...timeout,
      // Every publish is a request, and by default each builds two errors with stacks in case it
      // fails, at a CPU cost (docs/decisions/2026-11-27-withdrawal-pipeline-cpu.md); the logs give
      // a failure its context instead.
      noAsyncTraces: true,
    });
    if (closing) {
      await nc.close();
      return undefined;
    }
    up = true;
    watchStatus(nc, logger, (connected) => (up = connected));
    try {
      const jsm = await jetstreamManager(nc, timeout);
      if (await ensureStreamsOrRetry(jsm)) {
        handles = { nc, js: jetstream(nc, timeout), jsm };
        logger.info({ url: options.url }, "nats ready");
        settle.resolve(handles);
      }
    } catch (err) {
      if (!waitForServer) await nc.close();
      throw err;
    }
    return nc;
  })().catch((err: unknown) => {
    if (waitForServer) logger.error({ err }, "nats connection failed for good");
    else settle.reject(err);
    return undefined;
  });

  return {
    connected: () => up,
    ready: () => handles,
    whenReady: () => readyPromise,
    async close() {
      closing = true;
      const nc = handles?.nc ?? (up ? await connecting : undefined);
      if (nc && !nc.isClosed()) {
        await nc.drain().catch((err: unknown) => {
          logger.warn({ err }, "nats drain failed; closing");
          return nc.close();
        });
      }
    },
  };
}

/** Logs the connection's status changes and reports whether it is up. */
function watchStatus(
  nc: NatsConnection,
  logger: NatsLinkLogger,
  onUp: (connected: boolean) => void,
): void {
  void (async () => {
    for await (const status of nc.status()) {
      switch (status.type) {
        case "disconnect":
          onUp(false);
          logger.warn({ server: status.server }, "nats disconnected; reconnecting");
          break;
        case "reconnect":
          onUp(true);
          logger.info({ server: status.server }, "nats reconnected");
          break;
        case "error":
          logger.warn({ err: status.error }, "nats connection error");
          break;
        case "slowConsumer":
          logger.warn({ pending: status.pending }, "nats slow consumer");
          break;
        default:
          break;
      }
    }
  })().catch((err: unknown) => logger.warn({ err }, "nats status watcher stopped"));
}
