/**
 * The real settlement process against the real bank-sim and NATS: each bank answer leads to the
 * right result, unknown outcomes are retried with the same key and never turned into a refusal.
 */
import { spawnSync } from "node:child_process";
import { resolve } from "node:path";
import { waitFor, type ServiceProcess } from "@wallet/test-kit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { metricValue, opsUrl, startHarness, type Harness } from "./testing/harness.js";

describe("settlement (processes: settlement, bank-sim, NATS)", () => {
  let harness: Harness;
  let settlement: ServiceProcess;

  beforeAll(async () => {
    harness = await startHarness();
    settlement = await harness.startSettlement({
      SETTLEMENT_WORKERS: "8",
      SETTLEMENT_MAX_ATTEMPTS: "3",
    });
  });

  afterAll(async () => {
    await harness?.close();
  });

  it("completes a withdrawal the bank pays, with the bank's reference", async () => {
    const request = await harness.publishRequest({ amountMinor: 9_223_372_036_854_775_807n });
    const result = await harness.waitForResult(request.transactionId);
    const payout = (await harness.ledger()).get(request.transactionId);
    expect(result).toMatchObject({ outcome: "completed", bankReference: payout?.bank_reference });
    expect(payout).toMatchObject({ status: "paid", pay_count: 1, requests: 1 });
  });

  it("fails a withdrawal the bank refuses, with the bank's reason", async () => {
    const id = crypto.randomUUID();
    await harness.script(id, ["rejected"]);
    await harness.publishRequest({ transactionId: id });
    const result = await harness.waitForResult(id);
    const payout = (await harness.ledger()).get(id);
    expect(payout).toMatchObject({ status: "rejected", pay_count: 0 });
    expect(result).toMatchObject({ outcome: "failed", reason: payout?.reason });
  });

  it("retries transient bank errors with the same key and completes with one payment", async () => {
    const id = crypto.randomUUID();
    await harness.script(id, ["error", "error", "paid"]);
    await harness.publishRequest({ transactionId: id });
    const result = await harness.waitForResult(id);
    expect(result).toMatchObject({ outcome: "completed", bankCalls: 3 });
    expect((await harness.ledger()).get(id)).toMatchObject({
      status: "paid",
      pay_count: 1,
      requests: 3,
    });
  });

  it("completes a payout whose answer was lost, paying it only once", async () => {
    const id = crypto.randomUUID();
    await harness.script(id, ["lost_response"]);
    await harness.publishRequest({ transactionId: id });
    const result = await harness.waitForResult(id);
    const payout = (await harness.ledger()).get(id);
    expect(payout).toMatchObject({ status: "paid", pay_count: 1, requests: 2 });
    expect(result).toMatchObject({ outcome: "completed", bankReference: payout?.bank_reference });
  });

  it("retries a call that timed out and completes it", async () => {
    const id = crypto.randomUUID();
    await harness.script(id, ["hang", "paid"]);
    await harness.publishRequest({ transactionId: id });
    expect(await harness.waitForResult(id)).toMatchObject({ outcome: "completed" });
    expect((await harness.ledger()).get(id)).toMatchObject({ pay_count: 1, requests: 2 });
    expect(
      await metricValue(settlement, "settlement_bank_calls_total", {
        outcome: "unknown",
        kind: "timeout",
      }),
    ).toBeGreaterThanOrEqual(1);
  });

  it("parks, and never fails, a withdrawal the bank keeps failing", async () => {
    const id = crypto.randomUUID();
    await harness.script(id, ["error", "error", "error", "error", "error"]);
    const parkedBefore = await metricValue(settlement, "settlement_parked_total");
    await harness.publishRequest({ transactionId: id });
    const result = await harness.waitForResult(id);
    expect(result.outcome).toBe("parked");
    expect(result.reason).toMatch(/after 3 attempts.*server_error/);
    expect((await harness.ledger()).get(id)).toMatchObject({
      status: "undecided",
      pay_count: 0,
      requests: 3,
    });
    expect(await metricValue(settlement, "settlement_parked_total")).toBe(parkedBefore + 1);
    // Nothing else follows the parked result: the message was acked, not dropped or retried.
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(harness.resultsFor(id)).toHaveLength(1);
  });

  it("settles an operator's retry of a parked withdrawal as a separate request", async () => {
    const id = crypto.randomUUID();
    await harness.script(id, ["error", "error", "error", "paid"]);
    await harness.publishRequest({ transactionId: id });
    expect(await harness.waitForResult(id)).toMatchObject({ outcome: "parked" });
    await harness.publishRequest({ transactionId: id, attempt: 1 });
    await waitFor("the retry's result", () =>
      harness.resultsFor(id).length === 2 ? true : undefined,
    );
    expect(harness.resultsFor(id).map((r) => r.outcome)).toEqual(["parked", "completed"]);
    expect((await harness.ledger()).get(id)).toMatchObject({ pay_count: 1 });
  });

  it("terminates a malformed message without blocking the ones behind it", async () => {
    const poisonBefore = await metricValue(settlement, "settlement_poison_messages_total");
    await harness.publishRaw(
      new TextEncoder().encode('{"transaction_id":"not-a-uuid","amount":5}'),
    );
    const requests = await Promise.all([1, 2, 3].map(() => harness.publishRequest()));
    for (const request of requests)
      expect(await harness.waitForResult(request.transactionId)).toMatchObject({
        outcome: "completed",
      });
    await waitFor("the poison message to be counted", async () =>
      (await metricValue(settlement, "settlement_poison_messages_total")) === poisonBefore + 1
        ? true
        : undefined,
    );
    // Terminated, not left pending: nothing is waiting for an ack or a redelivery.
    await waitFor("no unacked requests", async () => {
      const info = await harness.jsm.consumers.info(
        harness.topo.requestStream,
        harness.topo.settlementConsumer,
      );
      return info.num_ack_pending === 0 && info.num_pending === 0 ? true : undefined;
    });
  });

  it("reports NATS and the bank as reachable on /health, and its metrics on /metrics", async () => {
    const health = await waitFor("a healthy report", async () => {
      const response = await fetch(`${opsUrl(settlement)}/health`);
      return response.status === 200 ? await response.json() : undefined;
    });
    expect(health).toEqual({ status: "ok", dependencies: { nats: true, bank: true } });
    const metrics = await (await fetch(`${opsUrl(settlement)}/metrics`)).text();
    for (const name of [
      "settlement_bank_calls_in_flight",
      "settlement_bank_calls_total",
      "settlement_bank_call_duration_seconds_bucket",
      "settlement_redeliveries_total",
      "settlement_parked_total",
      "settlement_poison_messages_total",
    ]) {
      expect(metrics).toContain(name);
    }
  });

  it("never publishes a failed result except for a bank refusal", () => {
    const failed = harness.results.filter((r) => r.outcome === "failed");
    expect(failed).toHaveLength(1);
    expect(failed[0]?.reason).toBeTruthy();
    // One result per request message: JetStream dropped every republished duplicate.
    const keys = harness.results.map((r) => `${r.transactionId}/${r.outcome}`);
    expect(new Set(keys).size).toBe(keys.length);
  });
});

describe("settlement start-up", () => {
  it("refuses a bad configuration, naming every bad key, before touching NATS or the bank", () => {
    const run = spawnSync(process.execPath, [resolve(__dirname, "../dist/main.js")], {
      env: {
        ...process.env,
        SETTLEMENT_WORKERS: "0",
        BANK_URL: "not a url",
        SETTLEMENT_MAX_ATTEMPTS: "10",
        SETTLEMENT_MAX_DELIVER: "10",
      },
      encoding: "utf8",
      timeout: 20_000,
    });
    expect(run.status).toBe(2);
    for (const key of ["SETTLEMENT_WORKERS", "BANK_URL", "SETTLEMENT_MAX_DELIVER"])
      expect(run.stderr).toContain(key);
  });
});
