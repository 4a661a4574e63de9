/**
 * The gateway as a process in front of a real wallet process (real PostgreSQL, real NATS): the
 * original API's curl examples, every wallet error row, hostile input, request ids, metrics and
 * the OpenAPI document.
 */
import { randomUUID } from "node:crypto";
import net from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { waitFor } from "@wallet/test-kit";
import {
  http,
  startGatewayProcess,
  startWalletProcess,
  type GatewayProcess,
  type WalletProcess,
} from "./testing/processes.js";
import { parsePrometheusText, sampleValue } from "./testing/prometheus-text.js";

let wallet: WalletProcess;
let gateway: GatewayProcess;

beforeAll(async () => {
  wallet = await startWalletProcess();
  gateway = await startGatewayProcess(wallet.address);
  await waitFor("the wallet to report SERVING", async () =>
    (await get("/health")).status === 200 ? true : undefined,
  );
});

afterAll(async () => {
  await gateway?.close();
  await wallet?.close();
});

const get = (path: string, headers?: Record<string, string>) =>
  http(gateway.url, "GET", path, { headers });
const post = (path: string, body: unknown, headers?: Record<string, string>) =>
  http(gateway.url, "POST", path, { body, headers });

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const isoMs = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

let nextUser = 10_000;
/** A user no other test touches. */
const freshUser = () => ++nextUser;

/** Charges `amount` to a fresh user and returns the user id. */
async function fundedUser(amount: number | string): Promise<number> {
  const user = freshUser();
  const answer = await post("/charge", { user_id: user, amount, idempotency_key: `fund-${user}` });
  expect(answer.status).toBe(201);
  return user;
}

describe("the original API's curl examples", () => {
  const charge =
    '{"user_id": 123, "amount": 5000, "idempotency_key": "charge-unique-1", "release_at": "2024-01-20T10:00:00Z"}';
  const withdraw = '{"user_id": 123, "amount": 1000, "idempotency_key": "withdraw-unique-1"}';
  const json = { "Content-Type": "application/json" };

  it("work as written, and a second run gets 409 with the originals for both writes", async () => {
    // Run 1.
    const charged = await http(gateway.url, "POST", "/charge", { body: charge, headers: json });
    expect(charged.status).toBe(201);
    expect(charged.body).toEqual({
      transaction: {
        id: expect.stringMatching(uuid),
        user_id: "123",
        type: "charge",
        amount: "5000",
        status: "completed",
        idempotency_key: "charge-unique-1",
        release_at: "2024-01-20T10:00:00.000Z",
        created_at: expect.stringMatching(isoMs),
        updated_at: expect.stringMatching(isoMs),
        bank_reference: null,
        failure_reason: null,
        related_transaction_id: null,
      },
    });

    const withdrawn = await http(gateway.url, "POST", "/withdraw", {
      body: withdraw,
      headers: json,
    });
    expect(withdrawn.status).toBe(202);
    expect(withdrawn.body.transaction).toMatchObject({
      id: expect.stringMatching(uuid),
      user_id: "123",
      type: "withdrawal",
      amount: "1000",
      status: "pending",
      idempotency_key: "withdraw-unique-1",
      release_at: null,
    });

    const expectedBalance = {
      user_id: "123",
      available: "4000",
      locked: "0",
      pending: "1000",
      total: "5000",
      next_release_at: null,
      as_of: expect.stringMatching(isoMs),
    };
    const balance = await get("/balance?user_id=123");
    expect(balance.status).toBe(200);
    expect(balance.body).toEqual(expectedBalance);

    const expectedList = {
      transactions: [withdrawn.body.transaction, charged.body.transaction],
      page: 1,
      limit: 10,
      has_more: false,
    };
    const list = await get("/transactions?user_id=123&page=1&limit=10");
    expect(list.status).toBe(200);
    expect(list.body).toEqual(expectedList);

    const health = await get("/health");
    expect(health.status).toBe(200);
    expect(health.body).toEqual({ status: "ok", dependencies: { wallet: true } });

    // Run 2: the same requests again.
    const chargedAgain = await http(gateway.url, "POST", "/charge", {
      body: charge,
      headers: json,
    });
    expect(chargedAgain.status).toBe(409);
    expect(chargedAgain.body).toEqual({
      error: {
        code: "DUPLICATE_REQUEST",
        message: expect.any(String),
        transaction: charged.body.transaction,
      },
    });
    const withdrawnAgain = await http(gateway.url, "POST", "/withdraw", {
      body: withdraw,
      headers: json,
    });
    expect(withdrawnAgain.status).toBe(409);
    expect(withdrawnAgain.body).toEqual({
      error: {
        code: "DUPLICATE_REQUEST",
        message: expect.any(String),
        transaction: withdrawn.body.transaction,
      },
    });
    expect(await get("/balance?user_id=123")).toMatchObject({ status: 200, body: expectedBalance });
    expect(await get("/transactions?user_id=123&page=1&limit=10")).toMatchObject({
      status: 200,
      body: expectedList,
    });
    expect(await get("/health")).toMatchObject({
      status: 200,
      body: { status: "ok", dependencies: { wallet: true } },
    });
  });
});

describe("wallet errors through HTTP", () => {
  it("answers a wallet-side validation failure with 400 INVALID_ARGUMENT", async () => {
    const user = freshUser();
    const farFuture = new Date(Date.now() + 4_000 * 86_400_000).toISOString();
    const answer = await post("/charge", {
      user_id: user,
      amount: 1,
      idempotency_key: "far",
      release_at: farFuture,
    });
    expect(answer.status).toBe(400);
    expect(answer.body).toEqual({
      error: { code: "INVALID_ARGUMENT", message: expect.stringMatching(/^release_at:/) },
    });
    const control = await post("/charge", {
      user_id: user,
      amount: 1,
      idempotency_key: "bad\u0001key",
    });
    expect(control.status).toBe(400);
    expect(control.body.error.code).toBe("INVALID_ARGUMENT");
  });

  it("answers a withdrawal above the available balance with 400 INSUFFICIENT_FUNDS", async () => {
    const user = await fundedUser(100);
    const answer = await post("/withdraw", {
      user_id: user,
      amount: 101,
      idempotency_key: "too-much",
    });
    expect(answer.status).toBe(400);
    expect(answer.body).toEqual({
      error: { code: "INSUFFICIENT_FUNDS", message: expect.any(String) },
    });
    expect((await get(`/balance?user_id=${user}`)).body).toMatchObject({
      available: "100",
      pending: "0",
    });
  });

  it("answers a charge past 2^63−1 with 400 BALANCE_OVERFLOW", async () => {
    const user = await fundedUser("9223372036854775807");
    const answer = await post("/charge", { user_id: user, amount: 1, idempotency_key: "one-more" });
    expect(answer.status).toBe(400);
    expect(answer.body.error.code).toBe("BALANCE_OVERFLOW");
    expect((await get(`/balance?user_id=${user}`)).body.total).toBe("9223372036854775807");
  });

  it("answers an unknown transaction id with 404 TRANSACTION_NOT_FOUND", async () => {
    const answer = await get(`/transactions/${randomUUID()}`);
    expect(answer.status).toBe(404);
    expect(answer.body.error.code).toBe("TRANSACTION_NOT_FOUND");
  });

  it("answers a reused key with 409: DUPLICATE_REQUEST for the same request, IDEMPOTENCY_KEY_REUSED for another", async () => {
    const user = freshUser();
    const first = await post("/charge", { user_id: user, amount: 50, idempotency_key: "k1" });
    expect(first.status).toBe(201);
    const same = await post("/charge", {
      user_id: String(user),
      amount: "50",
      idempotency_key: "k1",
    });
    expect(same.status).toBe(409);
    expect(same.body.error).toMatchObject({
      code: "DUPLICATE_REQUEST",
      transaction: first.body.transaction,
    });
    const other = await post("/charge", { user_id: user, amount: 51, idempotency_key: "k1" });
    expect(other.status).toBe(409);
    expect(other.body.error).toMatchObject({
      code: "IDEMPOTENCY_KEY_REUSED",
      transaction: first.body.transaction,
    });
    const asWithdrawal = await post("/withdraw", {
      user_id: user,
      amount: 50,
      idempotency_key: "k1",
    });
    expect(asWithdrawal.status).toBe(409);
    expect(asWithdrawal.body.error.code).toBe("IDEMPOTENCY_KEY_REUSED");
    expect((await get(`/balance?user_id=${user}`)).body).toMatchObject({
      available: "50",
      total: "50",
    });
  });

  it("scopes keys per user: the same key for another user is a new request", async () => {
    const [a, b] = [freshUser(), freshUser()];
    expect(
      (await post("/charge", { user_id: a, amount: 1, idempotency_key: "shared" })).status,
    ).toBe(201);
    expect(
      (await post("/charge", { user_id: b, amount: 1, idempotency_key: "shared" })).status,
    ).toBe(201);
  });
});

describe("writes", () => {
  it("accepts the idempotency key in the Idempotency-Key header instead of the body", async () => {
    const user = freshUser();
    const first = await post(
      "/charge",
      { user_id: user, amount: 7 },
      { "Idempotency-Key": "from-header" },
    );
    expect(first.status).toBe(201);
    expect(first.body.transaction.idempotency_key).toBe("from-header");
    const again = await post("/charge", {
      user_id: user,
      amount: 7,
      idempotency_key: "from-header",
    });
    expect(again.status).toBe(409);
    const both = await post(
      "/charge",
      { user_id: user, amount: 7, idempotency_key: "a" },
      { "Idempotency-Key": "b" },
    );
    expect(both.status).toBe(400);
  });

  it("locks a charge with a future release_at and reports when it unlocks", async () => {
    const user = freshUser();
    const releaseAt = new Date(Date.now() + 30 * 86_400_000).toISOString();
    const answer = await post("/charge", {
      user_id: user,
      amount: 300,
      idempotency_key: "locked",
      release_at: releaseAt,
    });
    expect(answer.status).toBe(201);
    expect(answer.body.transaction.release_at).toBe(releaseAt);
    expect((await get(`/balance?user_id=${user}`)).body).toMatchObject({
      available: "0",
      locked: "300",
      next_release_at: releaseAt,
    });
  });

  it("lets a caller follow a withdrawal with GET /transactions/{id}", async () => {
    const user = await fundedUser(10);
    const withdrawn = await post("/withdraw", { user_id: user, amount: 4, idempotency_key: "w" });
    expect(withdrawn.status).toBe(202);
    const followed = await get(`/transactions/${withdrawn.body.transaction.id}`);
    expect(followed.status).toBe(200);
    expect(followed.body).toEqual({ transaction: withdrawn.body.transaction });
  });
});

describe("GET /transactions page and limit", () => {
  it("pages newest first over the wallet's keyset pages", async () => {
    const user = freshUser();
    for (let i = 1; i <= 25; i++) {
      expect(
        (await post("/charge", { user_id: user, amount: i, idempotency_key: `p${i}` })).status,
      ).toBe(201);
    }
    const amounts = async (query: string) => {
      const answer = await get(`/transactions?user_id=${user}&${query}`);
      expect(answer.status).toBe(200);
      return {
        amounts: answer.body.transactions.map((tx: { amount: string }) => Number(tx.amount)),
        hasMore: answer.body.has_more,
      };
    };
    expect(await amounts("page=1&limit=10")).toEqual({
      amounts: [25, 24, 23, 22, 21, 20, 19, 18, 17, 16],
      hasMore: true,
    });
    expect(await amounts("page=2&limit=10")).toEqual({
      amounts: [15, 14, 13, 12, 11, 10, 9, 8, 7, 6],
      hasMore: true,
    });
    expect(await amounts("page=3&limit=10")).toEqual({ amounts: [5, 4, 3, 2, 1], hasMore: false });
    expect(await amounts("page=4&limit=10")).toEqual({ amounts: [], hasMore: false });
    expect(await amounts("page=5&limit=5")).toEqual({ amounts: [5, 4, 3, 2, 1], hasMore: false });
    const defaults = await get(`/transactions?user_id=${user}`);
    expect(defaults.body).toMatchObject({ page: 1, limit: 20, has_more: true });
    expect(defaults.body.transactions).toHaveLength(20);
  });
});

/**
 * Writes raw bytes to the gateway and collects what comes back until `done(text)` or the
 * connection ends; `ended` says whether the gateway closed it.
 */
function rawExchange(
  bytes: Buffer,
  done: (text: string) => boolean,
): Promise<{ text: string; ended: boolean }> {
  const { hostname, port } = new URL(gateway.url);
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: hostname, port: Number(port) });
    let text = "";
    const timer = setTimeout(
      () => finish(new Error(`no complete answer within 10 s; got: ${text.slice(0, 500)}`)),
      10_000,
    );
    const finish = (err?: Error, ended = false) => {
      clearTimeout(timer);
      socket.destroy();
      if (err) reject(err);
      else resolve({ text, ended });
    };
    socket.on("data", (chunk: Buffer) => {
      text += chunk.toString("latin1");
      if (done(text)) finish();
    });
    socket.on("end", () => finish(undefined, true));
    socket.on("error", (err) => finish(err));
    socket.write(bytes);
  });
}

const chargeHead = (contentLength: number) =>
  Buffer.from(
    `POST /charge HTTP/1.1\r\nHost: gateway\r\nContent-Type: application/json\r\nContent-Length: ${contentLength}\r\n\r\n`,
  );

describe("hostile input", () => {
  it("reads an oversized body to its end before its 413, and keeps the connection", async () => {
    const body = Buffer.alloc(200 * 1024, "x");
    const next = Buffer.from("GET /balance?user_id=abc HTTP/1.1\r\nHost: gateway\r\n\r\n");
    const { text } = await rawExchange(
      Buffer.concat([chargeHead(body.length), body, next]),
      (seen) =>
        (seen.match(/HTTP\/1\.1 \d{3}/g) ?? []).length === 2 && seen.includes("INVALID_ARGUMENT"),
    );
    // The 413, then the answer to the request sent after the body on the same connection.
    // (A response body does not end its line, so the second status line follows it directly.)
    expect(text.match(/HTTP\/1\.1 \d{3}/g)).toEqual(["HTTP/1.1 413", "HTTP/1.1 400"]);
    expect(text).toContain("PAYLOAD_TOO_LARGE");
  });

  it("answers a body declared larger than it will read with 413 at once, and closes", async () => {
    const { text, ended } = await rawExchange(
      Buffer.concat([chargeHead(100 * 1024 * 1024), Buffer.alloc(1024, "x")]),
      () => false,
    );
    expect(text).toMatch(/^HTTP\/1\.1 413/);
    expect(text.toLowerCase()).toContain("connection: close");
    expect(text).toContain("PAYLOAD_TOO_LARGE");
    expect(ended).toBe(true);
  });

  it("refuses every bad request with a 4xx and changes nothing", async () => {
    const user = await fundedUser(1_000);
    const before = {
      balance: (await get(`/balance?user_id=${user}`)).body,
      transactions: (await get(`/transactions?user_id=${user}&limit=100`)).body,
    };
    const json = { "content-type": "application/json" };
    const bodies: Array<[string, string, number]> = [
      ["amount as a boolean", `{"user_id": ${user}, "amount": true, "idempotency_key": "f1"}`, 400],
      [
        "amount as an object",
        `{"user_id": ${user}, "amount": {"v": 1}, "idempotency_key": "f2"}`,
        400,
      ],
      ["amount as an array", `{"user_id": ${user}, "amount": [1], "idempotency_key": "f3"}`, 400],
      ["amount as null", `{"user_id": ${user}, "amount": null, "idempotency_key": "f4"}`, 400],
      ["a negative amount", `{"user_id": ${user}, "amount": -5, "idempotency_key": "f5"}`, 400],
      ["a zero amount", `{"user_id": ${user}, "amount": 0, "idempotency_key": "f6"}`, 400],
      [
        "a negative amount string",
        `{"user_id": ${user}, "amount": "-5", "idempotency_key": "f7"}`,
        400,
      ],
      ["a fractional amount", `{"user_id": ${user}, "amount": 10.5, "idempotency_key": "f8"}`, 400],
      ["an exponent amount", `{"user_id": ${user}, "amount": 1e3, "idempotency_key": "f9"}`, 400],
      [
        "2^53+1 as a JSON number",
        `{"user_id": ${user}, "amount": 9007199254740993, "idempotency_key": "f10"}`,
        400,
      ],
      [
        "2^63 as a string",
        `{"user_id": ${user}, "amount": "9223372036854775808", "idempotency_key": "f11"}`,
        400,
      ],
      [
        "a huge amount string",
        `{"user_id": ${user}, "amount": "${"9".repeat(400)}", "idempotency_key": "f12"}`,
        400,
      ],
      [
        "a huge JSON number",
        `{"user_id": ${user}, "amount": 1${"0".repeat(400)}, "idempotency_key": "f13"}`,
        400,
      ],
      [
        "user_id as a string of letters",
        `{"user_id": "abc", "amount": 1, "idempotency_key": "f14"}`,
        400,
      ],
      ["user_id zero", `{"user_id": 0, "amount": 1, "idempotency_key": "f15"}`, 400],
      [
        "an unknown field",
        `{"user_id": ${user}, "amount": 1, "idempotency_key": "f16", "currency": "EUR"}`,
        400,
      ],
      [
        "__proto__",
        `{"user_id": ${user}, "amount": 1, "idempotency_key": "f17", "__proto__": {"x": 1}}`,
        400,
      ],
      ["no idempotency key", `{"user_id": ${user}, "amount": 1}`, 400],
      ["an empty idempotency key", `{"user_id": ${user}, "amount": 1, "idempotency_key": ""}`, 400],
      [
        "a 256-character idempotency key",
        `{"user_id": ${user}, "amount": 1, "idempotency_key": "${"k".repeat(256)}"}`,
        400,
      ],
      ["a numeric idempotency key", `{"user_id": ${user}, "amount": 1, "idempotency_key": 5}`, 400],
      [
        "an impossible release_at",
        `{"user_id": ${user}, "amount": 1, "idempotency_key": "f18", "release_at": "2024-02-30T00:00:00Z"}`,
        400,
      ],
      [
        "a numeric release_at",
        `{"user_id": ${user}, "amount": 1, "idempotency_key": "f19", "release_at": 1705744800}`,
        400,
      ],
      ["an empty body", "", 400],
      ["whitespace", "  ", 400],
      ["broken JSON", `{"user_id": ${user}, "amount": 1,`, 400],
      ["single quotes", `{'user_id': ${user}}`, 400],
      ["a JSON array", `[{"user_id": ${user}, "amount": 1, "idempotency_key": "f20"}]`, 400],
      ["a JSON string", '"hello"', 400],
      ["JSON null", "null", 400],
    ];
    for (const path of ["/charge", "/withdraw"]) {
      for (const [what, body, expected] of bodies) {
        const answer = await http(gateway.url, "POST", path, { body, headers: json });
        expect(answer.status, `${path} with ${what}`).toBe(expected);
        expect(answer.body.error?.code, `${path} with ${what}`).toBe("INVALID_ARGUMENT");
      }
      const valid = `{"user_id": ${user}, "amount": 1, "idempotency_key": "valid-but-wrong-type"}`;
      const asText = await http(gateway.url, "POST", path, {
        body: valid,
        headers: { "content-type": "text/plain" },
      });
      expect(asText.status).toBe(415);
      expect(asText.body.error.code).toBe("UNSUPPORTED_MEDIA_TYPE");
      const asForm = await http(gateway.url, "POST", path, {
        body: "user_id=1&amount=1",
        headers: { "content-type": "application/x-www-form-urlencoded" },
      });
      expect(asForm.status).toBe(415);
      const padded = `{"user_id": ${user}, "amount": 1, "idempotency_key": "big", "pad": "${"x".repeat(2 * 1024 * 1024)}"}`;
      const huge = await http(gateway.url, "POST", path, { body: padded, headers: json });
      expect(huge.status).toBe(413);
      expect(huge.body.error.code).toBe("PAYLOAD_TOO_LARGE");
    }

    const queries: Array<[string, number]> = [
      ["/balance", 400],
      ["/balance?user_id=", 400],
      ["/balance?user_id=abc", 400],
      ["/balance?user_id=-1", 400],
      ["/balance?user_id=1.5", 400],
      [`/balance?user_id=${user}&user_id=${user}`, 400],
      ["/balance?user_id=9223372036854775808", 400],
      [`/balance?user_id=${user}&extra=1`, 400],
      [`/transactions?user_id=${user}&page=0`, 400],
      [`/transactions?user_id=${user}&page=1001`, 400],
      [`/transactions?user_id=${user}&page=1&page=2`, 400],
      [`/transactions?user_id=${user}&limit=0`, 400],
      [`/transactions?user_id=${user}&limit=101`, 400],
      [`/transactions?user_id=${user}&limit=ten`, 400],
      [`/transactions?user_id=${user}&limit=1.5`, 400],
      ["/transactions/not-a-uuid", 400],
      ["/no-such-route", 404],
    ];
    for (const [path, expected] of queries) {
      const answer = await get(path);
      expect(answer.status, path).toBe(expected);
      expect(answer.body.error?.code, path).toBe(
        expected === 404 ? "NOT_FOUND" : "INVALID_ARGUMENT",
      );
    }

    expect((await get(`/balance?user_id=${user}`)).body).toEqual({
      ...before.balance,
      as_of: expect.stringMatching(isoMs),
    });
    expect((await get(`/transactions?user_id=${user}&limit=100`)).body).toEqual(
      before.transactions,
    );
    // 2^53+1 sent as a number must not have been rounded to 2^53 and applied to someone else.
    expect((await get("/balance?user_id=9007199254740992")).body.total).toBe("0");
  });

  it("accepts 2^53+1 as a decimal string and keeps it exact, for amounts and user ids", async () => {
    const answer = await post("/charge", {
      user_id: "9007199254740993",
      amount: "9007199254740993",
      idempotency_key: "exact",
    });
    expect(answer.status).toBe(201);
    expect(answer.body.transaction).toMatchObject({
      user_id: "9007199254740993",
      amount: "9007199254740993",
    });
    const balance = await get("/balance?user_id=9007199254740993");
    expect(balance.body).toMatchObject({
      user_id: "9007199254740993",
      available: "9007199254740993",
    });
    expect((await get("/balance?user_id=9007199254740992")).body.total).toBe("0");
  });
});

describe("request ids", () => {
  it("echoes a caller's X-Request-Id, logs it, and generates one when absent or unusable", async () => {
    const mine = `test-${randomUUID()}`;
    const answer = await get("/balance?user_id=1", { "X-Request-Id": mine });
    expect(answer.headers.get("x-request-id")).toBe(mine);
    await waitFor("the request's log line", () =>
      gateway.process.logs.some(
        (line) => line.requestId === mine && line.msg === "request finished",
      )
        ? true
        : undefined,
    );
    expect((await get("/balance?user_id=1")).headers.get("x-request-id")).toMatch(uuid);
    const unusable = await get("/balance?user_id=1", {
      "X-Request-Id": "has spaces and ; semicolons",
    });
    expect(unusable.headers.get("x-request-id")).toMatch(uuid);
    const refused = await get("/balance?user_id=abc", { "X-Request-Id": mine });
    expect(refused.headers.get("x-request-id")).toBe(mine);
  });
});

describe("GET /metrics", () => {
  it("counts requests by method, route and status code, with latency and process metrics", async () => {
    const labels = { method: "GET", route: "/balance", status_code: "200" };
    const scrape = async () => {
      const answer = await fetch(`${gateway.url}/metrics`);
      expect(answer.status).toBe(200);
      expect(answer.headers.get("content-type")).toContain("text/plain");
      return parsePrometheusText(await answer.text());
    };
    const before = await scrape();
    for (let i = 0; i < 3; i++) expect((await get("/balance?user_id=1")).status).toBe(200);
    expect((await get("/balance?user_id=x")).status).toBe(400);
    const after = await scrape();
    expect(
      sampleValue(after, "http_requests_total", labels) -
        sampleValue(before, "http_requests_total", labels),
    ).toBe(3);
    const refused = { ...labels, status_code: "400" };
    expect(
      sampleValue(after, "http_requests_total", refused) -
        sampleValue(before, "http_requests_total", refused),
    ).toBe(1);
    expect(
      sampleValue(after, "http_request_duration_seconds_count", labels),
    ).toBeGreaterThanOrEqual(3);
    expect(
      sampleValue(after, "http_request_duration_seconds_bucket", { ...labels, le: "+Inf" }),
    ).toBe(sampleValue(after, "http_request_duration_seconds_count", labels));
    expect(
      after.some((s) => s.name === "process_cpu_seconds_total" && s.labels.service === "gateway"),
    ).toBe(true);
    // Unknown paths share one label value, so scanners cannot grow the label set.
    await get(`/random-${randomUUID()}`);
    const routes = new Set(
      (await scrape()).filter((s) => s.name === "http_requests_total").map((s) => s.labels.route),
    );
    expect([...routes].some((route) => route?.startsWith("/random-"))).toBe(false);
    expect(routes.has("unmatched")).toBe(true);
  });
});

describe("API documentation", () => {
  it("serves an OpenAPI 3 document generated from the route schemas, and a docs page", async () => {
    const answer = await get("/openapi.json");
    expect(answer.status).toBe(200);
    const doc = answer.body;
    expect(doc.openapi).toMatch(/^3\./);
    expect(Object.keys(doc.paths).sort()).toEqual([
      "/balance",
      "/charge",
      "/health",
      "/transactions",
      "/transactions/{id}",
      "/withdraw",
    ]);
    expect(doc.paths["/charge"].post.responses).toHaveProperty("201");
    expect(doc.paths["/charge"].post.responses).toHaveProperty("409");
    expect(doc.paths["/withdraw"].post.responses).toHaveProperty("202");
    expect(doc.components.schemas.Transaction.properties.amount.type).toBe("string");
    expect(doc.components.schemas.Transaction.properties.amount.description).toMatch(
      /decimal string/,
    );
    expect(doc.info.description).toMatch(/decimal string/);
    const docs = await fetch(`${gateway.url}/docs`);
    expect(docs.status).toBe(200);
    expect(await docs.text()).toContain("<html");
  });
});
