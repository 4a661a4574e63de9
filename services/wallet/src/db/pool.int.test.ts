import net from "node:net";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type pg from "pg";
import { adminDatabaseUrl, sleep } from "@wallet/test-kit";
import { createPool } from "./pool.js";
import { fromPgError } from "./pg-errors.js";

/**
 * A TCP relay to the real PostgreSQL that can go silent: while `silent`, what the server sends is
 * dropped, as on a network that lost the server, so the client waits for an answer that never comes.
 */
function startSilenceableRelay(
  target: URL,
): Promise<{ port: number; silent: boolean; close(): void }> {
  const sockets = new Set<net.Socket>();
  const relay = {
    port: 0,
    silent: false,
    close() {
      for (const socket of sockets) socket.destroy();
      server.close();
    },
  };
  const server = net.createServer((client) => {
    const upstream = net.connect(Number(target.port || 5432), target.hostname);
    sockets.add(client).add(upstream);
    client.on("data", (chunk) => upstream.write(chunk));
    upstream.on("data", (chunk) => relay.silent || client.write(chunk));
    client.on("close", () => upstream.destroy());
    upstream.on("close", () => client.destroy());
    client.on("error", () => undefined);
    upstream.on("error", () => undefined);
  });
  return new Promise((resolve) =>
    server.listen(0, "127.0.0.1", () => {
      relay.port = (server.address() as net.AddressInfo).port;
      resolve(relay);
    }),
  );
}

const statementTimeoutMs = 300;
// The pool cuts a connection in use that heard nothing for the statement timeout plus 1 s.
const silenceLimitMs = statementTimeoutMs + 1_000;

let relay: Awaited<ReturnType<typeof startSilenceableRelay>>;
let pool: pg.Pool;
beforeAll(async () => {
  relay = await startSilenceableRelay(new URL(adminDatabaseUrl));
});
afterAll(() => relay?.close());
afterEach(async () => {
  relay.silent = false;
  await pool?.end();
});

function relayedPool(): pg.Pool {
  const url = new URL(adminDatabaseUrl);
  url.host = `127.0.0.1:${relay.port}`;
  return createPool({
    databaseUrl: url.toString(),
    poolMax: 2,
    statementTimeoutMs,
    connectTimeoutMs: 5_000,
    idleTimeoutMs: 60_000,
    applicationName: "wallet-pool-test",
  });
}

async function timeToFailure(
  query: Promise<unknown>,
): Promise<{ error: unknown; elapsedMs: number }> {
  const started = Date.now();
  const error = await query.then(
    () => undefined,
    (err: unknown) => err,
  );
  return { error, elapsedMs: Date.now() - started };
}

describe("the wallet's pool", () => {
  it("cuts a connection whose server went silent mid-query, answers UNAVAILABLE, and opens a new one after", async () => {
    pool = relayedPool();
    await pool.query("select 1");
    relay.silent = true;
    const { error, elapsedMs } = await timeToFailure(pool.query("select 2"));
    expect((error as { code?: string }).code).toBe("ETIMEDOUT");
    expect(fromPgError(error).code).toBe("DEPENDENCY_UNAVAILABLE");
    expect(elapsedMs).toBeGreaterThanOrEqual(silenceLimitMs - 50);
    expect(elapsedMs).toBeLessThan(silenceLimitMs + 2_000);
    relay.silent = false;
    await waitUntilDropped(pool);
    const { rows } = await pool.query<{ n: number }>("select 3 as n");
    expect(rows).toEqual([{ n: 3 }]);
  });

  it("leaves an idle pooled connection alone however long it is quiet, and still watches it once it is in use again", async () => {
    pool = relayedPool();
    await pool.query("select 1");
    await sleep(silenceLimitMs + 300);
    expect(pool.totalCount).toBe(1);
    const { rows } = await pool.query<{ n: number }>("select 4 as n");
    expect(rows).toEqual([{ n: 4 }]);
    expect(pool.totalCount).toBe(1);

    await sleep(silenceLimitMs + 300);
    relay.silent = true;
    const { error } = await timeToFailure(pool.query("select 5"));
    expect((error as { code?: string }).code).toBe("ETIMEDOUT");
  });

  it("cuts a transaction left waiting on a silent server, not one whose statements answer", async () => {
    pool = relayedPool();
    const client = await pool.connect();
    try {
      await client.query("begin");
      // Busy for longer than the silence limit in total, but the server answers every statement.
      for (let i = 0; i < 6; i++) await client.query("select pg_sleep(0.25)");
      await client.query("commit");
      relay.silent = true;
      const { error } = await timeToFailure(client.query("select 6"));
      expect((error as { code?: string }).code).toBe("ETIMEDOUT");
    } finally {
      client.release(true);
    }
  });

  it("lets the server's statement timeout answer a slow statement first", async () => {
    pool = relayedPool();
    const { error, elapsedMs } = await timeToFailure(pool.query("select pg_sleep(5)"));
    expect((error as { code?: string }).code).toBe("57014");
    expect(elapsedMs).toBeLessThan(silenceLimitMs);
  });
});

async function waitUntilDropped(target: pg.Pool): Promise<void> {
  for (let i = 0; i < 100 && target.totalCount > 0; i++) await sleep(20);
  expect(target.totalCount).toBe(0);
}
