/**
 * Settlement under load, crashes and shutdowns, as real processes: the worker bound holds, a
 * kill -9 mid-load loses nothing and pays nothing twice, and a graceful stop finishes what it
 * started and hands the rest back.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { waitFor } from "@wallet/test-kit";
import { afterEach, describe, expect, it } from "vitest";
import { metricValue, startHarness, type Harness } from "./testing/harness.js";

describe("settlement under load (processes: settlement, bank-sim, NATS)", () => {
  let harness: Harness | undefined;
  let fakeBank: Server | undefined;

  afterEach(async () => {
    await harness?.close();
    harness = undefined;
    if (fakeBank) await new Promise((resolve) => fakeBank!.close(resolve));
    fakeBank = undefined;
  });

  it("never has more bank calls in flight than SETTLEMENT_WORKERS, and fills the pool while work waits", async () => {
    const workers = 5;
    let inFlight = 0;
    let calls = 0;
    const changes: { atMs: number; inFlight: number; start: boolean }[] = [];
    const record = (start: boolean) => changes.push({ atMs: performance.now(), inFlight, start });
    fakeBank = createServer((req, res) => {
      if (req.method !== "POST" || req.url !== "/payouts") {
        res.writeHead(200, { "content-type": "application/json" }).end('{"status":"ok"}');
        return;
      }
      let body = "";
      req.on("data", (chunk: Buffer) => (body += chunk.toString()));
      req.on("end", () => {
        inFlight++;
        record(true);
        // Calls of different lengths end one by one, so each freed worker is refilled on its own.
        const latencyMs = 40 + ((++calls * 37) % 120);
        const { reference } = JSON.parse(body) as { reference: string };
        setTimeout(() => {
          inFlight--;
          record(false);
          res
            .writeHead(200, { "content-type": "application/json" })
            .end(JSON.stringify({ status: "paid", bank_reference: `F-${reference}` }));
        }, latencyMs);
      });
    });
    await new Promise<void>((resolve) => fakeBank!.listen(0, "127.0.0.1", resolve));
    harness = await startHarness({
      bankUrl: `http://127.0.0.1:${(fakeBank.address() as AddressInfo).port}`,
    });

    // The backlog is there before settlement starts, as after an outage.
    const requests = await Promise.all(Array.from({ length: 40 }, () => harness!.publishRequest()));
    await harness.startSettlement({
      SETTLEMENT_WORKERS: String(workers),
      SETTLEMENT_BUFFER_MAX: "5",
    });
    for (const request of requests) await harness.waitForResult(request.transactionId);

    expect(calls).toBe(40);
    expect(Math.max(...changes.map((c) => c.inFlight))).toBe(workers);
    // How well freed workers are refilled is timing, measured in the bench and in worker-pool.test.ts, not here.
  });

  it("loses nothing and pays nothing twice when settlement is killed mid-load and restarted", async () => {
    harness = await startHarness({
      bankEnv: { BANK_SIM_LATENCY_MS_MIN: "20", BANK_SIM_LATENCY_MS_MAX: "200" },
    });
    const env = { SETTLEMENT_WORKERS: "10", SETTLEMENT_ACK_WAIT_MS: "2000" };
    const first = await harness.startSettlement(env);
    const requests = await Promise.all(
      Array.from({ length: 100 }, () => harness!.publishRequest()),
    );
    await waitFor(
      "some results before the crash",
      () => (harness!.results.length >= 20 ? true : undefined),
      { timeoutMs: 20_000 },
    );
    await first.kill();
    expect(harness.results.length).toBeLessThan(100);

    const second = await harness.startSettlement(env);
    await waitFor(
      "a result for every request",
      () => (new Set(harness!.results.map((r) => r.transactionId)).size === 100 ? true : undefined),
      {
        timeoutMs: 45_000,
      },
    );
    // The calls the crash cut off were redelivered to the new instance.
    expect(await metricValue(second, "settlement_redeliveries_total")).toBeGreaterThan(0);

    const ledger = await harness.ledger();
    for (const request of requests) {
      const results = harness.resultsFor(request.transactionId);
      expect(results).toHaveLength(1);
      expect(results[0]).toMatchObject({
        outcome: "completed",
        bankReference: ledger.get(request.transactionId)?.bank_reference,
      });
      expect(ledger.get(request.transactionId)?.pay_count).toBe(1);
    }
    expect([...ledger.values()].every((payout) => payout.pay_count <= 1)).toBe(true);
  }, 90_000);

  it("finishes the calls in flight on SIGTERM, exits cleanly and leaves the rest for the next instance", async () => {
    harness = await startHarness({
      bankEnv: { BANK_SIM_LATENCY_MS_MIN: "300", BANK_SIM_LATENCY_MS_MAX: "400" },
    });
    const env = { SETTLEMENT_WORKERS: "4", SETTLEMENT_ACK_WAIT_MS: "30000" };
    const first = await harness.startSettlement(env);
    const requests = await Promise.all(Array.from({ length: 20 }, () => harness!.publishRequest()));
    await waitFor("calls in flight", async () =>
      (await metricValue(first, "settlement_bank_calls_in_flight")) === 4 ? true : undefined,
    );
    expect(await first.stop(15_000)).toBe(0);

    // Every payout the bank received before the stop has its result: none was cut off.
    const ledgerAtStop = await harness.ledger();
    expect(ledgerAtStop.size).toBeGreaterThan(0);
    expect(ledgerAtStop.size).toBeLessThan(20);
    await waitFor("results of the finished calls", () =>
      [...ledgerAtStop.keys()].every((id) => harness!.resultsFor(id).length === 1)
        ? true
        : undefined,
    );
    expect(
      first.logs.some(
        (line) => line.msg === "grace period over; aborting bank calls still running",
      ),
    ).toBe(false);

    // The rest were never started and go to the next instance well before their 30 s ack wait.
    await harness.startSettlement(env);
    await waitFor(
      "a result for every request",
      () => (new Set(harness!.results.map((r) => r.transactionId)).size === 20 ? true : undefined),
      {
        timeoutMs: 15_000,
      },
    );
    const ledger = await harness.ledger();
    for (const request of requests) {
      expect(harness.resultsFor(request.transactionId)).toHaveLength(1);
      expect(ledger.get(request.transactionId)?.pay_count).toBe(1);
    }
  }, 60_000);
});
