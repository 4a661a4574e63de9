import {
  encodeWithdrawalRequested,
  resultMessageId,
  type WithdrawalResult,
} from "@wallet/messages";
import { createLogger } from "@wallet/logger";
import { captureLogLines } from "@wallet/test-kit";
import { Registry } from "@wallet/metrics";
import { describe, expect, it } from "vitest";
import type { BankClient } from "../bank/bank-client.js";
import type { BankObservation } from "../domain/bank-outcome.js";
import { createSettlementMetrics } from "../metrics.js";
import { createSettleMessage, type RequestMessage } from "./settle-message.js";

const transactionId = "0b8e5d3c-7f6a-4e2b-9c1d-2a3b4c5d6e7f";
const paid: BankObservation = {
  type: "response",
  status: 200,
  body: { status: "paid", bank_reference: "B-1" },
};
const rejected: BankObservation = {
  type: "response",
  status: 422,
  body: { status: "rejected", reason: "account_closed" },
};
const unavailable: BankObservation = { type: "response", status: 503, body: undefined };

/** A fake JetStream message that records what was done to it, in order, into `events`. */
function fakeMessage(
  events: string[],
  deliveryCount: number,
  data = encodeWithdrawalRequested({
    transactionId,
    userId: 7n,
    amountMinor: 2n ** 62n,
    attempt: 0,
  }),
): RequestMessage {
  return {
    data,
    seq: 1,
    info: { deliveryCount },
    working: () => events.push("working"),
    nak: (delayMs) => events.push(`nak:${delayMs ?? "now"}`),
    term: () => events.push("term"),
    ack: () => events.push("ack"),
  };
}

function setup(
  observation: BankObservation | (() => Promise<BankObservation>),
  options: { publishFails?: boolean } = {},
) {
  const events: string[] = [];
  const published: { result: WithdrawalResult; messageId: string }[] = [];
  const payouts: unknown[] = [];
  const registry = new Registry();
  const { destination, lines } = captureLogLines();
  const bank: BankClient = {
    async requestPayout(request) {
      payouts.push(request);
      events.push("bank");
      return typeof observation === "function" ? observation() : observation;
    },
    ping: async () => undefined,
  };
  const settle = createSettleMessage({
    bank,
    results: {
      async publish(result, messageId) {
        if (options.publishFails) throw new Error("no PubAck");
        events.push(`publish:${result.outcome}`);
        published.push({ result, messageId });
      },
    },
    metrics: createSettlementMetrics(registry),
    logger: createLogger("test", "info", destination),
    policy: {
      maxAttempts: 3,
      maxDeliver: 10,
      backoff: { baseMs: 1_000, maxMs: 10_000 },
      workingIntervalMs: 20,
    },
    random: () => 0,
  });
  const metric = async (name: string, labels: Record<string, string> = {}) => {
    const json = await registry.getMetricsAsJSON();
    const values = json.find((m) => m.name === name)?.values ?? [];
    return values
      .filter((v) => Object.entries(labels).every(([k, l]) => v.labels[k] === l))
      .reduce((sum, v) => sum + v.value, 0);
  };
  return {
    events,
    published,
    payouts,
    lines,
    settle,
    metric,
    signal: new AbortController().signal,
  };
}

describe("settleMessage", () => {
  it("publishes a completed result and acks only after it is stored", async () => {
    const t = setup(paid);
    await t.settle(fakeMessage(t.events, 1), t.signal);
    expect(t.events).toEqual(["bank", "publish:completed", "ack"]);
    expect(t.published).toEqual([
      {
        result: {
          transactionId,
          outcome: "completed",
          bankReference: "B-1",
          reason: undefined,
          bankCalls: 1,
        },
        messageId: resultMessageId(transactionId, 0),
      },
    ]);
    expect(t.payouts).toEqual([{ reference: transactionId, userId: 7n, amountMinor: 2n ** 62n }]);
    expect(await t.metric("settlement_bank_calls_total", { outcome: "paid" })).toBe(1);
  });

  it("writes a line at info for a refusal, and none for a completion (its row records it)", async () => {
    const completed = setup(paid);
    await completed.settle(fakeMessage(completed.events, 1), completed.signal);
    expect(completed.lines.filter((line) => line.msg === "withdrawal settled")).toEqual([]);

    const refused = setup(rejected);
    await refused.settle(fakeMessage(refused.events, 1), refused.signal);
    expect(refused.lines.filter((line) => line.msg === "withdrawal settled")).toEqual([
      expect.objectContaining({
        level: "info",
        transactionId,
        outcome: "failed",
        reason: "account_closed",
      }),
    ]);
  });

  it("releases its worker once the bank has answered, before publishing the result", async () => {
    const t = setup(paid);
    await t.settle(fakeMessage(t.events, 1), t.signal, () => t.events.push("release"));
    expect(t.events).toEqual(["bank", "release", "publish:completed", "ack"]);
  });

  it("publishes a failed result with the bank's reason on a 422", async () => {
    const t = setup(rejected);
    await t.settle(fakeMessage(t.events, 1), t.signal);
    expect(t.events).toEqual(["bank", "publish:failed", "ack"]);
    expect(t.published[0]?.result).toMatchObject({ outcome: "failed", reason: "account_closed" });
  });

  it("hands an unknown outcome back with backoff instead of publishing", async () => {
    const t = setup(unavailable);
    await t.settle(fakeMessage(t.events, 2), t.signal);
    expect(t.events).toEqual(["bank", "nak:1000"]);
    expect(t.published).toEqual([]);
    expect(await t.metric("settlement_redeliveries_total")).toBe(1);
    expect(
      await t.metric("settlement_bank_calls_total", { outcome: "unknown", kind: "server_error" }),
    ).toBe(1);
  });

  it("parks after the last attempt with an unknown outcome, and never fails it", async () => {
    const t = setup({ type: "timeout" });
    await t.settle(fakeMessage(t.events, 3), t.signal);
    expect(t.events).toEqual(["bank", "publish:parked", "ack"]);
    expect(t.published[0]?.result.reason).toContain("timeout");
    expect(await t.metric("settlement_parked_total")).toBe(1);
  });

  it("does not ack when the result could not be published", async () => {
    const t = setup(paid, { publishFails: true });
    await t.settle(fakeMessage(t.events, 1), t.signal);
    expect(t.events).toEqual(["bank", "nak:500"]);
    expect(await t.metric("settlement_result_publish_failures_total")).toBe(1);
  });

  it("terminates a malformed message without calling the bank", async () => {
    const t = setup(paid);
    await t.settle(
      fakeMessage(t.events, 1, new TextEncoder().encode('{"transaction_id":"nope"}')),
      t.signal,
    );
    expect(t.events).toEqual(["term"]);
    expect(await t.metric("settlement_poison_messages_total")).toBe(1);
  });

  it("keeps a long bank call's message alive with working()", async () => {
    const t = setup(() => new Promise((resolve) => setTimeout(() => resolve(paid), 90)));
    await t.settle(fakeMessage(t.events, 1), t.signal);
    expect(t.events.filter((e) => e === "working").length).toBeGreaterThanOrEqual(2);
    expect(t.events.slice(-2)).toEqual(["publish:completed", "ack"]);
  });

  it("hands the message back at once when shutdown aborts the bank call", async () => {
    const controller = new AbortController();
    const t = setup(
      () =>
        new Promise((_resolve, reject) =>
          controller.signal.addEventListener("abort", () => reject(controller.signal.reason)),
        ),
    );
    const settled = t.settle(fakeMessage(t.events, 1), controller.signal);
    controller.abort();
    await settled;
    expect(t.events).toEqual(["bank", "nak:now"]);
    expect(t.published).toEqual([]);
  });
});
