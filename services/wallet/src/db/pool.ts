/** The one PostgreSQL pool of a wallet process, with every bound configurable. */
import net from "node:net";
import pg from "pg";

export interface PoolSettings {
  databaseUrl: string;
  poolMax: number;
  statementTimeoutMs: number;
  connectTimeoutMs: number;
  idleTimeoutMs: number;
  applicationName: string;
}

/** How long a connection in use may hear nothing from the server: the statement timeout plus this. */
const silenceGraceMs = 1_000;
const keepAliveInitialDelayMs = 10_000;

/**
 * A pg client that keeps the socket it connects through (pg's documented `stream` option), so
 * the pool can watch that socket's silence, and knows whether the pool has lent it out.
 */
class WatchedClient extends pg.Client {
  readonly socket: net.Socket;
  inUse = false;

  constructor(config?: pg.ClientConfig) {
    const socket = new net.Socket();
    super({ ...config, stream: () => socket });
    this.socket = socket;
  }
}

export function createPool(settings: PoolSettings): pg.Pool {
  const pool = new pg.Pool({
    connectionString: settings.databaseUrl,
    max: settings.poolMax,
    statement_timeout: settings.statementTimeoutMs,
    connectionTimeoutMillis: settings.connectTimeoutMs,
    idleTimeoutMillis: settings.idleTimeoutMs,
    application_name: settings.applicationName,
    // TCP keepalive finds a peer that vanished while a connection sits idle in the pool.
    keepAlive: true,
    keepAliveInitialDelayMillis: keepAliveInitialDelayMs,
    Client: WatchedClient,
  });
  // An idle client losing its connection (for example PostgreSQL restarting) must not crash the
  // process; the pool discards it and the next query opens a new one.
  pool.on("error", () => undefined);
  // pg-pool drops its own error listener while a client is checked out (pool.connect()), so a
  // connection killed mid-transaction would otherwise emit an unhandled 'error' and end the
  // process. The query in flight still fails and is answered UNAVAILABLE.
  pool.on("connect", (client) => client.on("error", () => undefined));
  cutSilentConnections(pool, settings.statementTimeoutMs + silenceGraceMs);
  return pool;
}

/**
 * Gives up on a server that never answers: a connection in use (lent out by the pool) that has
 * exchanged no byte with PostgreSQL for `silenceMs` is cut. By then statement_timeout would have
 * ended any statement with an error, so the server or the network is gone (or the process held a
 * connection idle in a transaction that long, which is as wrong). The query fails with ETIMEDOUT,
 * answered as DEPENDENCY_UNAVAILABLE, and the pool drops the connection.
 *
 * The socket's own idle timer is refreshed in place on every read and write, so this allocates
 * nothing per query; pg's query_timeout arms a timer per query, which made V8 promote every
 * batch's objects to the old generation (docs/decisions/2026-12-01-grpc-port-on-grpc-js.md).
 */
function cutSilentConnections(pool: pg.Pool, silenceMs: number): void {
  const watched = (client: pg.PoolClient) => client as unknown as WatchedClient;
  pool.on("acquire", (client) => {
    watched(client).inUse = true;
  });
  pool.on("release", (_err: Error | undefined, client: pg.PoolClient) => {
    watched(client).inUse = false;
  });
  pool.on("connect", (client) => {
    const { socket } = watched(client);
    socket.setTimeout(silenceMs);
    socket.on("timeout", () => {
      if (!watched(client).inUse) return;
      const silence = new Error(
        `PostgreSQL sent nothing for ${silenceMs} ms to a connection in use; connection cut`,
      );
      socket.destroy(Object.assign(silence, { code: "ETIMEDOUT" }));
    });
  });
}
