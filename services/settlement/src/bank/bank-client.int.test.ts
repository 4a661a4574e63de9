/**
 * The bank client against a real HTTP server on a local port: an answer, a call past its timeout,
 * a shutdown in the middle of a call, and a bank that is not there.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createBankClient, type ClosableBankClient } from "./bank-client.js";

const payout = {
  reference: "0b8e5d3c-7f6a-4e2b-9c1d-2a3b4c5d6e7f",
  userId: 7n,
  amountMinor: 2n ** 62n,
};

let server: Server;
let bank: ClosableBankClient;
const hanging: ServerResponse[] = [];
let received: { headers: IncomingMessage["headers"]; body: string }[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = "";
    req.setEncoding("utf8").on("data", (chunk: string) => (body += chunk));
    req.on("end", () => {
      received.push({ headers: req.headers, body });
      // A reference starting with "hang" is never answered.
      if (body.includes('"reference":"hang')) return void hanging.push(res);
      res
        .writeHead(200, { "content-type": "application/json" })
        .end(JSON.stringify({ status: "paid", bank_reference: "B-7" }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  bank = createBankClient({
    baseUrl: `http://127.0.0.1:${port}`,
    timeoutMs: 300,
    connectionsMax: 4,
  });
});

afterAll(async () => {
  hanging.forEach((res) => res.destroy());
  await bank?.close();
  await new Promise((resolve) => server?.close(resolve));
});

describe("createBankClient", () => {
  it("posts the payout with its idempotency key and reports the bank's answer", async () => {
    received = [];
    expect(await bank.requestPayout(payout)).toEqual({
      type: "response",
      status: 200,
      body: { status: "paid", bank_reference: "B-7" },
    });
    expect(received).toEqual([
      {
        headers: expect.objectContaining({ "idempotency-key": payout.reference }),
        body: JSON.stringify({
          reference: payout.reference,
          user_id: "7",
          amount: (2n ** 62n).toString(),
        }),
      },
    ]);
  });

  it("reports a call the bank does not answer within the timeout as a timeout", async () => {
    expect(await bank.requestPayout({ ...payout, reference: "hang-1" })).toEqual({
      type: "timeout",
    });
  });

  it("rejects with the shutdown signal's reason when shutdown cuts a call short", async () => {
    const shutdown = new AbortController();
    const call = bank.requestPayout({ ...payout, reference: "hang-2" }, shutdown.signal);
    setTimeout(() => shutdown.abort(new Error("shutting down")), 50);
    await expect(call).rejects.toThrow("shutting down");
  });

  it("does not call the bank when shutdown has already begun", async () => {
    received = [];
    const shutdown = new AbortController();
    shutdown.abort(new Error("already stopping"));
    await expect(bank.requestPayout(payout, shutdown.signal)).rejects.toThrow("already stopping");
    expect(received).toEqual([]);
  });

  it("reports a bank that is not listening as a network error", async () => {
    const absent = createBankClient({
      baseUrl: "http://127.0.0.1:1",
      timeoutMs: 300,
      connectionsMax: 1,
    });
    expect(await absent.requestPayout(payout)).toMatchObject({ type: "network" });
    await absent.close();
  });
});
