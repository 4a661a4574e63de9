/** The one PostgreSQL pool of a wallet process, with every bound configurable. */
import pg from "pg";

export interface PoolSettings {
  databaseUrl: string;
  poolMax: number;
  statementTimeoutMs: number;
  connectTimeoutMs: number;
  idleTimeoutMs: number;
  applicationName: string;
}

/** How long a query may wait for the server's answer: the statement timeout plus this. */
const silenceGraceMs = 1_000;
const keepAliveInitialDelayMs = 10_000;

export function createPool(settings: PoolSettings): pg.Pool {
  const pool = new pg.Pool({
    connectionString: settings.databaseUrl,
    max: settings.poolMax,
    statement_timeout: settings.statementTimeoutMs,
    connectionTimeoutMillis: settings.connectTimeoutMs,
    idleTimeoutMillis: settings.idleTimeoutMs,
    application_name: settings.applicationName,
    // A server that never answers (gone, or the network lost it) fails the query instead of
    // holding its connection: by then statement_timeout would have ended any statement. The
    // pool drops a client released with that error.
    query_timeout: settings.statementTimeoutMs + silenceGraceMs,
    // TCP keepalive finds a peer that vanished while a connection sits idle in the pool.
    keepAlive: true,
    keepAliveInitialDelayMillis: keepAliveInitialDelayMs,
  });
  // An idle client losing its connection (for example PostgreSQL restarting) must not crash the
  // process; the pool discards it and the next query opens a new one.
  pool.on("error", () => undefined);
  // pg-pool drops its own error listener while a client is checked out (pool.connect()), so a
  // connection killed mid-transaction would otherwise emit an unhandled 'error' and end the
  // process. The query in flight still fails and is answered UNAVAILABLE.
  pool.on("connect", (client) => client.on("error", () => undefined));
  return pool;
}
