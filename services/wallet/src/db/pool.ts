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

export function createPool(settings: PoolSettings): pg.Pool {
  const pool = new pg.Pool({
    connectionString: settings.databaseUrl,
    max: settings.poolMax,
    statement_timeout: settings.statementTimeoutMs,
    // A query also gives up on the client side, in case the server never answers at all.
    query_timeout: settings.statementTimeoutMs + 1_000,
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
  return pool;
}
