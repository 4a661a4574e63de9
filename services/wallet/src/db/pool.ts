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

export function createPool(settings: PoolSettings): pg.Pool {
  const pool = new pg.Pool({
    connectionString: settings.databaseUrl,
    max: settings.poolMax,
    statement_timeout: settings.statementTimeoutMs,
    connectionTimeoutMillis: settings.connectTimeoutMs,
    idleTimeoutMillis: settings.idleTimeoutMs,
    application_name: settings.applicationName,
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

const inUse = Symbol("inUse");
type WatchedClient = pg.PoolClient & { [inUse]?: boolean };

/**
 * Gives up on a server that never answers: a connection in use (checked out of the pool) that has
 * exchanged no byte with PostgreSQL for `silenceMs` is cut. By then statement_timeout would have
 * ended any statement with an error, so the server or the network is gone (or the process held a
 * connection idle in a transaction that long, which is as wrong). The query fails with ETIMEDOUT,
 * answered as DEPENDENCY_UNAVAILABLE, and the pool drops the connection.
 *
 * pg's own query_timeout does this with a timer and two closures per query, and measured on the
 * wallet at 4,500 charges/s it made V8 pretenure (allocate straight into the old generation)
 * objects that then held every batch's calls through young collections: 318 KB promoted per
 * scavenge against 35 KB without it (--trace-gc-nvp), and a full collection, the longest pause
 * the wallet has, every 2 s. The socket's own idle timer is refreshed in place on every read and
 * write, so this allocates nothing per query.
 */
function cutSilentConnections(pool: pg.Pool, silenceMs: number): void {
  pool.on("acquire", (client) => {
    (client as WatchedClient)[inUse] = true;
  });
  pool.on("release", (_err: Error | undefined, client: pg.PoolClient) => {
    (client as WatchedClient)[inUse] = false;
  });
  pool.on("connect", (client) => {
    const socket = (client as pg.PoolClient & Pick<pg.Client, "connection">).connection.stream;
    if (!(socket instanceof net.Socket)) return;
    socket.setTimeout(silenceMs);
    socket.on("timeout", () => {
      if (!(client as WatchedClient)[inUse]) return;
      const silence = new Error(`PostgreSQL sent nothing for ${silenceMs} ms to a connection in use; connection cut`);
      socket.destroy(Object.assign(silence, { code: "ETIMEDOUT" }));
    });
  });
}
