/**
 * The gateway when the wallet cannot help: a full withdrawal backlog and a stopped wallet (real
 * processes), and every gRPC status, a deadline overrun and a contract break (a stand-in wallet).
 * None of these may be a 500 unless the wallet itself failed unexpectedly.
 */
import { status } from "@grpc/grpc-js";
import { TransactionType } from "@wallet/proto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { waitFor } from "@wallet/test-kit";
import { sampleTransaction, startFakeWallet, type FakeWallet } from "./testing/fake-wallet.js";
import {
  http,
  startGatewayProcess,
  startWalletProcess,
  type GatewayProcess,
  type WalletProcess,
} from "./testing/processes.js";
import { grpcStatusTable } from "./testing/status-table.js";

describe("with a real wallet that fills up and then stops", () => {
  let wallet: WalletProcess;
  let gateway: GatewayProcess;

  beforeAll(async () => {
    wallet = await startWalletProcess({
      WITHDRAWAL_BACKLOG_MAX: "1",
      OUTBOX_RELAY_ENABLED: "false",
    });
    gateway = await startGatewayProcess(wallet.address, { WALLET_DEADLINE_MS: "2000" });
  });

  afterAll(async () => {
    await gateway?.close();
    await wallet?.close();
  });

  it("answers a full withdrawal backlog with 503 WITHDRAWAL_BACKLOG_FULL and changes nothing", async () => {
    expect(
      (
        await http(gateway.url, "POST", "/charge", {
          body: { user_id: 1, amount: 100, idempotency_key: "c" },
        })
      ).status,
    ).toBe(201);
    expect(
      (
        await http(gateway.url, "POST", "/withdraw", {
          body: { user_id: 1, amount: 1, idempotency_key: "w1" },
        })
      ).status,
    ).toBe(202);
    const full = await http(gateway.url, "POST", "/withdraw", {
      body: { user_id: 1, amount: 1, idempotency_key: "w2" },
    });
    expect(full.status).toBe(503);
    expect(full.body).toEqual({
      error: { code: "WITHDRAWAL_BACKLOG_FULL", message: expect.any(String) },
    });
    const balance = await http(gateway.url, "GET", "/balance?user_id=1");
    expect(balance.body).toMatchObject({ available: "99", pending: "1", total: "100" });
  });

  it("answers 503, not 500, on every route once the wallet is gone, and /health says so", async () => {
    await waitFor("the wallet to report SERVING", async () =>
      (await http(gateway.url, "GET", "/health")).status === 200 ? true : undefined,
    );
    expect(await wallet.process.stop()).toBe(0);

    const requests: Array<[string, string, unknown]> = [
      ["GET", "/balance?user_id=1", undefined],
      ["GET", "/transactions?user_id=1&page=2&limit=1", undefined],
      ["GET", "/transactions/0b6f1f0e-8d5e-4d1c-9a7b-2f1f4b8e9c01", undefined],
      ["POST", "/charge", { user_id: 1, amount: 5, idempotency_key: "while-down-1" }],
      ["POST", "/withdraw", { user_id: 1, amount: 5, idempotency_key: "while-down-2" }],
    ];
    for (const [method, path, body] of requests) {
      const answer = await http(gateway.url, method, path, { body });
      expect(answer.status, `${method} ${path}`).toBe(503);
      expect(answer.body.error.code, `${method} ${path}`).toBe("DEPENDENCY_UNAVAILABLE");
      expect(answer.body.error.message, `${method} ${path}`).not.toMatch(
        /127\.0\.0\.1|ECONNREFUSED/,
      );
    }
    const health = await http(gateway.url, "GET", "/health");
    expect(health.status).toBe(503);
    expect(health.body).toEqual({ status: "degraded", dependencies: { wallet: false } });
    // Input is still checked first: a bad request stays a 400 while the wallet is down.
    expect((await http(gateway.url, "GET", "/balance?user_id=x")).status).toBe(400);
  });
});

describe("with a stand-in wallet", () => {
  let fake: FakeWallet;
  let gateway: GatewayProcess;
  const deadlineMs = 400;

  beforeAll(async () => {
    fake = await startFakeWallet();
    gateway = await startGatewayProcess(fake.address, {
      WALLET_DEADLINE_MS: String(deadlineMs),
      WALLET_HEALTH_TIMEOUT_MS: "300",
    });
  });

  afterAll(async () => {
    await gateway?.close();
    await fake?.close();
  });

  const nonOk = grpcStatusTable.filter(([name]) => name !== "OK");
  it.each(nonOk)(
    "answers the wallet's %s with HTTP %i %s on reads and writes",
    async (name, httpStatus, code) => {
      fake.answer = { kind: "error", code: status[name], details: `secret detail of ${name}` };
      for (const [method, path, body] of [
        ["GET", "/balance?user_id=1", undefined],
        ["POST", "/charge", { user_id: 1, amount: 1, idempotency_key: "k" }],
      ] as const) {
        const answer = await http(gateway.url, method, path, { body });
        expect(answer.status, `${method} ${path}`).toBe(httpStatus);
        expect(answer.body.error.code, `${method} ${path}`).toBe(code);
        if (httpStatus >= 500) expect(answer.body.error.message).not.toContain("secret");
      }
    },
  );

  it("answers a wallet slower than the deadline with 503", async () => {
    fake.answer = { kind: "delay", delayMs: deadlineMs * 3 };
    const started = Date.now();
    const answer = await http(gateway.url, "GET", "/balance?user_id=1");
    expect(answer.status).toBe(503);
    expect(answer.body.error).toEqual({
      code: "DEPENDENCY_UNAVAILABLE",
      message: expect.stringContaining("in time"),
    });
    expect(Date.now() - started).toBeLessThan(deadlineMs * 3);
  });

  it("answers a transaction of a kind it does not know with a logged 500, not a made-up answer", async () => {
    fake.answer = {
      kind: "ok",
      transaction: sampleTransaction({ type: TransactionType.TRANSACTION_TYPE_UNSPECIFIED }),
    };
    const answer = await http(gateway.url, "POST", "/charge", {
      body: { user_id: 1, amount: 1, idempotency_key: "k" },
    });
    expect(answer.status).toBe(500);
    expect(answer.body).toEqual({ error: { code: "INTERNAL", message: "internal error" } });
    await waitFor("the 500 to be logged with its cause", () =>
      gateway.process.logs.some(
        (line) =>
          line.msg === "request failed" &&
          line.level === "error" &&
          JSON.stringify(line.err).includes("unknown type"),
      )
        ? true
        : undefined,
    );
  });

  it("sends exact int64s, exact timestamps and the request id to the wallet", async () => {
    fake.answer = { kind: "ok" };
    fake.calls.length = 0;
    const answer = await http(gateway.url, "POST", "/charge", {
      body: {
        user_id: "9223372036854775807",
        amount: "9007199254740993",
        idempotency_key: "exact",
        release_at: "2030-01-20T10:00:00.123456789+01:00",
      },
      headers: { "X-Request-Id": "trace-me-42" },
    });
    expect(answer.status).toBe(201);
    expect(fake.calls).toEqual([
      {
        method: "Charge",
        requestId: "trace-me-42",
        request: {
          userId: 9223372036854775807n,
          amount: 9007199254740993n,
          idempotencyKey: "exact",
          releaseAt: { seconds: 1895130000n, nanos: 123456789 }, // 2030-01-20T09:00:00Z
        },
      },
    ]);
  });

  it("reports the wallet down on /health when it has no health service", async () => {
    fake.answer = { kind: "ok" };
    const health = await http(gateway.url, "GET", "/health");
    expect(health.status).toBe(503);
    expect(health.body.dependencies.wallet).toBe(false);
  });

  // Last: it stops this describe's gateway.
  it("finishes an in-flight request on SIGTERM, then exits 0", async () => {
    fake.answer = { kind: "delay", delayMs: 250 };
    fake.calls.length = 0;
    const inFlight = http(gateway.url, "GET", "/balance?user_id=1");
    await waitFor(
      "the call to reach the wallet",
      () => (fake.calls.some((call) => call.method === "GetBalance") ? true : undefined),
      {
        intervalMs: 5,
      },
    );
    const exit = gateway.process.stop();
    expect((await inFlight).status).toBe(200);
    expect(await exit).toBe(0);
    expect(gateway.process.logs.some((line) => line.msg === "stopped")).toBe(true);
  });
});
