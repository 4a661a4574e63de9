/**
 * bank-sim as settlement sees it: the compiled process on a real port, every outcome over real
 * HTTP, a SIGKILL and restart with a state file, and a graceful stop.
 */
import { request } from "node:http";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { freePort, startService, waitFor, type ServiceProcess } from "@wallet/test-kit";

const entry = resolve(__dirname, "../dist/main.js");
const hangMs = 300;

type Answer =
  | { kind: "response"; status: number; body: unknown; elapsedMs: number }
  | { kind: "destroyed"; code: string | undefined; elapsedMs: number };

/** One request on its own connection, so a socket the bank destroys affects only this call. */
function call(
  port: number,
  method: string,
  path: string,
  options: { body?: unknown; rawBody?: string; headers?: Record<string, string> } = {},
): Promise<Answer> {
  const startedAt = Date.now();
  const payload =
    options.rawBody ?? (options.body === undefined ? undefined : JSON.stringify(options.body));
  return new Promise((resolvePromise) => {
    const req = request(
      {
        host: "127.0.0.1",
        port,
        method,
        path,
        agent: false,
        headers: { "content-type": "application/json", ...options.headers },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("end", () => {
          const text = Buffer.concat(chunks).toString("utf8");
          let body: unknown = text;
          try {
            body = JSON.parse(text);
          } catch {
            // Not JSON (the metrics text): keep the string.
          }
          resolvePromise({
            kind: "response",
            status: res.statusCode ?? 0,
            body,
            elapsedMs: Date.now() - startedAt,
          });
        });
      },
    );
    req.on("error", (err: NodeJS.ErrnoException) =>
      resolvePromise({ kind: "destroyed", code: err.code, elapsedMs: Date.now() - startedAt }),
    );
    req.end(payload);
  });
}

function expectResponse(answer: Answer, status: number): unknown {
  expect(answer.kind === "response" ? answer.status : `destroyed (${answer.code})`).toBe(status);
  return answer.kind === "response" ? answer.body : undefined;
}

function payout(port: number, reference: string, amount = "1000", userId = "u1") {
  return call(port, "POST", "/payouts", {
    headers: { "idempotency-key": reference },
    body: { reference, user_id: userId, amount },
  });
}

interface LedgerRow {
  reference: string;
  user_id: string;
  amount: string;
  status: string;
  bank_reference?: string;
  reason?: string;
  pay_count: number;
  requests: number;
}

interface Ledger {
  payouts: LedgerRow[];
  totals: Record<string, number | string>;
}

async function ledger(port: number): Promise<Ledger> {
  return expectResponse(await call(port, "GET", "/admin/payouts"), 200) as Ledger;
}

async function row(port: number, reference: string): Promise<LedgerRow | undefined> {
  return (await ledger(port)).payouts.find((candidate) => candidate.reference === reference);
}

async function script(port: number, reference: string, outcomes: string[]) {
  expectResponse(await call(port, "POST", "/admin/script", { body: { reference, outcomes } }), 200);
}

async function startBank(
  env: Record<string, string> = {},
): Promise<{ bank: ServiceProcess; port: number }> {
  const port = await freePort();
  const bank = await startService({
    name: "bank-sim",
    entry,
    env: {
      BANK_SIM_HOST: "127.0.0.1",
      BANK_SIM_PORT: String(port),
      BANK_SIM_LATENCY_MS_MIN: "5",
      BANK_SIM_LATENCY_MS_MAX: "20",
      BANK_SIM_HANG_MS: String(hangMs),
      BANK_SIM_SEED: "11",
      ...env,
    },
    readyMessage: "bank-sim listening",
  });
  return { bank, port };
}

describe("bank-sim over HTTP", () => {
  let bank: ServiceProcess;
  let port: number;

  beforeAll(async () => {
    ({ bank, port } = await startBank());
  });
  afterAll(async () => {
    await bank?.stop();
  });
  beforeEach(async () => {
    expectResponse(await call(port, "POST", "/admin/reset"), 200);
  });

  it("logs the port it listens on", () => {
    expect(bank.logs.find((line) => line.msg === "bank-sim listening")?.port).toBe(port);
  });

  it("answers health checks", async () => {
    expect(expectResponse(await call(port, "GET", "/health"), 200)).toEqual({ status: "ok" });
  });

  it("pays once and answers every repeat and GET with the same body", async () => {
    const amount = "9223372036854775807";
    const first = expectResponse(await payout(port, "tx-paid", amount), 200) as {
      status: string;
      bank_reference: string;
    };
    expect(first.status).toBe("paid");
    expect(first.bank_reference).toMatch(/^bnk_[0-9a-f]{16}$/);
    expect(expectResponse(await payout(port, "tx-paid", amount), 200)).toEqual(first);
    expect(expectResponse(await payout(port, "tx-paid", amount), 200)).toEqual(first);
    expect(expectResponse(await call(port, "GET", "/payouts/tx-paid"), 200)).toEqual(first);
    expect(await row(port, "tx-paid")).toEqual({
      reference: "tx-paid",
      user_id: "u1",
      amount,
      status: "paid",
      bank_reference: first.bank_reference,
      pay_count: 1,
      requests: 3,
    });
    expect((await ledger(port)).totals).toEqual({
      references: 1,
      paid: 1,
      rejected: 0,
      undecided: 0,
      paid_amount: amount,
      pay_count: 1,
      requests: 3,
    });
  });

  it("rejects for good: a repeat and a GET return the same 422 and nothing is paid", async () => {
    await script(port, "tx-rejected", ["rejected", "paid"]);
    const first = expectResponse(await payout(port, "tx-rejected"), 422) as {
      status: string;
      reason: string;
    };
    expect(first.status).toBe("rejected");
    expect(first.reason).toEqual(expect.any(String));
    expect(expectResponse(await payout(port, "tx-rejected"), 422)).toEqual(first);
    expect(expectResponse(await call(port, "GET", "/payouts/tx-rejected"), 422)).toEqual(first);
    expect(await row(port, "tx-rejected")).toMatchObject({
      status: "rejected",
      reason: first.reason,
      pay_count: 0,
      requests: 2,
    });
  });

  it("answers 409 to a repeat while the first request is still being processed", async () => {
    const put = await call(port, "PUT", "/admin/behaviour", {
      body: { latency_ms_min: 1_000, latency_ms_max: 1_000 },
    });
    expectResponse(put, 200);
    const first = payout(port, "tx-busy");
    // Wait until the bank has the first request inside its latency wait, then repeat it.
    await waitFor("the first payout to be in progress", async () => {
      const answer = await call(port, "GET", "/payouts/tx-busy");
      return answer.kind === "response" && answer.status === 409 ? true : undefined;
    });
    const repeat = await payout(port, "tx-busy");
    expect(expectResponse(repeat, 409)).toMatchObject({ error: { code: "IN_PROGRESS" } });
    const firstAnswer = await first;
    expect(expectResponse(firstAnswer, 200)).toMatchObject({ status: "paid" });
    expect(firstAnswer.elapsedMs).toBeGreaterThanOrEqual(950);
    expect(await row(port, "tx-busy")).toMatchObject({ status: "paid", pay_count: 1, requests: 2 });
  });

  it("leaves nothing after a 5xx, so retries decide afresh: error, error, then paid", async () => {
    await script(port, "tx-flaky", ["error", "error", "paid"]);
    for (let i = 0; i < 2; i++) {
      const answer = await payout(port, "tx-flaky");
      expect(answer.kind).toBe("response");
      if (answer.kind === "response") expect([500, 503]).toContain(answer.status);
      expectResponse(await call(port, "GET", "/payouts/tx-flaky"), 404);
      expect(await row(port, "tx-flaky")).toMatchObject({
        status: "undecided",
        pay_count: 0,
        requests: i + 1,
      });
    }
    expect(expectResponse(await payout(port, "tx-flaky"), 200)).toMatchObject({ status: "paid" });
    expect(await row(port, "tx-flaky")).toMatchObject({
      status: "paid",
      pay_count: 1,
      requests: 3,
    });
  });

  it("hangs: never answers, destroys the socket after BANK_SIM_HANG_MS, pays nothing", async () => {
    await script(port, "tx-hang", ["hang"]);
    const answer = await payout(port, "tx-hang");
    expect(answer.kind).toBe("destroyed");
    expect(answer.elapsedMs).toBeGreaterThanOrEqual(hangMs - 20);
    expectResponse(await call(port, "GET", "/payouts/tx-hang"), 404);
    expect(await row(port, "tx-hang")).toMatchObject({
      status: "undecided",
      pay_count: 0,
      requests: 1,
    });
  });

  it("loses the response of a payout it made: the socket breaks, GET and a repeat show it paid", async () => {
    await script(port, "tx-lost", ["lost_response"]);
    const answer = await payout(port, "tx-lost");
    expect(answer.kind).toBe("destroyed");
    const viaGet = expectResponse(await call(port, "GET", "/payouts/tx-lost"), 200) as {
      status: string;
      bank_reference: string;
    };
    expect(viaGet.status).toBe("paid");
    expect(expectResponse(await payout(port, "tx-lost"), 200)).toEqual(viaGet);
    expect(await row(port, "tx-lost")).toMatchObject({ status: "paid", pay_count: 1, requests: 2 });
  });

  it("applies a wildcard script to any reference, in order, then falls back to the random mix", async () => {
    await script(port, "*", ["rejected", "error"]);
    expect(expectResponse(await call(port, "GET", "/admin/script"), 200)).toEqual({
      scripts: { "*": ["rejected", "error"] },
    });
    expectResponse(await payout(port, "tx-a"), 422);
    const second = await payout(port, "tx-b");
    expect(second.kind === "response" && second.status >= 500).toBe(true);
    expectResponse(await payout(port, "tx-c"), 200);
    expect(expectResponse(await call(port, "GET", "/admin/script"), 200)).toEqual({ scripts: {} });
  });

  it("refuses a bad script", async () => {
    const answer = await call(port, "POST", "/admin/script", {
      body: { reference: "tx-1", outcomes: ["paid", "explode"] },
    });
    expect(expectResponse(answer, 400)).toMatchObject({ error: { code: "INVALID_ARGUMENT" } });
  });

  it("changes behaviour at runtime, refuses bad behaviour, and resets to the configured one", async () => {
    const initial = expectResponse(await call(port, "GET", "/admin/behaviour"), 200);
    expect(initial).toEqual({
      latency_ms_min: 5,
      latency_ms_max: 20,
      reject_rate: 0,
      error_rate: 0,
      hang_rate: 0,
      lost_response_rate: 0,
    });
    const bad = await call(port, "PUT", "/admin/behaviour", {
      body: { reject_rate: 0.8, error_rate: 0.8 },
    });
    expect(expectResponse(bad, 400)).toMatchObject({
      error: { code: "INVALID_ARGUMENT", details: [expect.stringContaining("sum")] },
    });
    expectResponse(await call(port, "PUT", "/admin/behaviour", { body: { reject_rate: 1 } }), 200);
    expectResponse(await payout(port, "tx-1"), 422);
    expectResponse(await payout(port, "tx-2"), 422);
    expectResponse(await call(port, "POST", "/admin/reset"), 200);
    expect(expectResponse(await call(port, "GET", "/admin/behaviour"), 200)).toEqual(initial);
    expect((await ledger(port)).payouts).toEqual([]);
    expectResponse(await payout(port, "tx-1"), 200);
  });

  it.each([
    ["no Idempotency-Key", {}, { reference: "tx-1", user_id: "u1", amount: "1" }],
    [
      "a key that is not the reference",
      { "idempotency-key": "tx-2" },
      { reference: "tx-1", user_id: "u1", amount: "1" },
    ],
    [
      "a numeric amount",
      { "idempotency-key": "tx-1" },
      { reference: "tx-1", user_id: "u1", amount: 1 },
    ],
    [
      "a zero amount",
      { "idempotency-key": "tx-1" },
      { reference: "tx-1", user_id: "u1", amount: "0" },
    ],
  ])("refuses a payout with %s and records nothing", async (_what, headers, body) => {
    const answer = await call(port, "POST", "/payouts", { headers, body });
    expect(expectResponse(answer, 400)).toMatchObject({ error: { code: "INVALID_ARGUMENT" } });
    expect((await ledger(port)).payouts).toEqual([]);
  });

  it("refuses a body that is not JSON, and one over the size limit", async () => {
    const headers = { "idempotency-key": "tx-1" };
    expectResponse(await call(port, "POST", "/payouts", { headers, rawBody: "{not json" }), 400);
    expectResponse(
      await call(port, "POST", "/payouts", { headers, rawBody: "x".repeat(17 * 1024) }),
      413,
    );
  });

  it("refuses a key reused with another amount and keeps the original payout", async () => {
    expectResponse(await payout(port, "tx-1", "100"), 200);
    expect(expectResponse(await payout(port, "tx-1", "999"), 400)).toMatchObject({
      error: { code: "IDEMPOTENCY_KEY_REUSED" },
    });
    expect(await row(port, "tx-1")).toMatchObject({ amount: "100", pay_count: 1 });
  });

  it("answers 404 for unknown payouts and routes, 405 for a wrong method", async () => {
    expectResponse(await call(port, "GET", "/payouts/never-sent"), 404);
    expectResponse(await call(port, "GET", "/nowhere"), 404);
    expectResponse(await call(port, "DELETE", "/payouts"), 405);
  });

  it("counts payouts by result and times requests in /metrics", async () => {
    await script(port, "*", ["rejected"]);
    expectResponse(await payout(port, "tx-m1"), 422);
    expectResponse(await payout(port, "tx-m2"), 200);
    expectResponse(await payout(port, "tx-m2"), 200);
    const text = expectResponse(await call(port, "GET", "/metrics"), 200) as string;
    const counter = (result: string) => {
      const match = text.match(
        new RegExp(
          `^bank_sim_payout_requests_total\\{result="${result}",service="bank-sim"\\} (\\d+)$`,
          "m",
        ),
      );
      return Number(match?.[1] ?? Number.NaN);
    };
    // Counters are cumulative across tests; the replay of tx-m2 is the only one here and earlier tests had some.
    expect(counter("rejected")).toBeGreaterThanOrEqual(1);
    expect(counter("paid")).toBeGreaterThanOrEqual(1);
    expect(counter("replayed")).toBeGreaterThanOrEqual(1);
    expect(text).toMatch(
      /^bank_sim_http_request_duration_seconds_count\{service="bank-sim",route="POST \/payouts",status="200"\} \d+$/m,
    );
    expect(text).toMatch(/^bank_sim_payments_total\{service="bank-sim"\} \d+$/m);
  });
});

describe("bank-sim with a state file", () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "bank-sim-int-"));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("keeps its ledger across a SIGKILL and restart, and still pays once", async () => {
    const env = { BANK_SIM_STATE_FILE: join(dir, "ledger.jsonl") };
    const first = await startBank(env);
    let paid: unknown;
    let rejected: unknown;
    try {
      // 2^53 + 1: a JavaScript number would round it, the ledger must not.
      paid = expectResponse(await payout(first.port, "tx-durable", "9007199254740993"), 200);
      await script(first.port, "tx-refused", ["rejected"]);
      rejected = expectResponse(await payout(first.port, "tx-refused"), 422);
      await script(first.port, "tx-flaky", ["error"]);
      await payout(first.port, "tx-flaky");
    } finally {
      await first.bank.kill();
    }
    expect(await first.bank.exited()).toBeNull();

    const second = await startBank(env);
    try {
      expect(expectResponse(await call(second.port, "GET", "/payouts/tx-durable"), 200)).toEqual(
        paid,
      );
      expect(
        expectResponse(await payout(second.port, "tx-durable", "9007199254740993"), 200),
      ).toEqual(paid);
      expect(expectResponse(await payout(second.port, "tx-refused"), 422)).toEqual(rejected);
      expectResponse(await call(second.port, "GET", "/payouts/tx-flaky"), 404);
      const rows = (await ledger(second.port)).payouts;
      expect(rows.find((r) => r.reference === "tx-durable")).toMatchObject({
        amount: "9007199254740993",
        status: "paid",
        pay_count: 1,
        requests: 2,
      });
      expect(rows.find((r) => r.reference === "tx-refused")).toMatchObject({
        status: "rejected",
        pay_count: 0,
        requests: 2,
      });
      expect(rows.find((r) => r.reference === "tx-flaky")).toMatchObject({
        status: "undecided",
        pay_count: 0,
        requests: 1,
      });
    } finally {
      await second.bank.stop();
    }
  });
});

describe("bank-sim shutdown", () => {
  it("finishes a payout in flight on SIGTERM, then exits 0", async () => {
    const { bank, port } = await startBank({
      BANK_SIM_LATENCY_MS_MIN: "500",
      BANK_SIM_LATENCY_MS_MAX: "500",
    });
    const inFlight = payout(port, "tx-in-flight");
    await waitFor("the payout to be in progress", async () => {
      const answer = await call(port, "GET", "/payouts/tx-in-flight");
      return answer.kind === "response" && answer.status === 409 ? true : undefined;
    });
    const exitCode = bank.stop();
    expect(expectResponse(await inFlight, 200)).toMatchObject({ status: "paid" });
    expect(await exitCode).toBe(0);
    expect(bank.logs.some((line) => line.msg === "stopped")).toBe(true);
  });
});
