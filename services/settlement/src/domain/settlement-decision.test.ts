import { describe, expect, it } from "vitest";
import type { BankOutcome } from "./bank-outcome.js";
import { decideSettlement } from "./settlement-decision.js";

const policy = { maxAttempts: 4, backoff: { baseMs: 100, maxMs: 1_000 } };
const paid: BankOutcome = { outcome: "paid", bankReference: "B-1" };
const rejected: BankOutcome = { outcome: "rejected", reason: "account_closed" };
const unknown: BankOutcome = {
  outcome: "unknown",
  kind: "server_error",
  detail: "bank answered 503",
};

describe("decideSettlement", () => {
  it("completes a paid withdrawal at any attempt, even past the limit", () => {
    for (const attempt of [1, 4, 9]) {
      expect(decideSettlement(paid, attempt, policy)).toEqual({
        action: "publish",
        outcome: "completed",
        bankReference: "B-1",
      });
    }
  });

  it("fails a withdrawal only when the bank refused it", () => {
    expect(decideSettlement(rejected, 2, policy)).toEqual({
      action: "publish",
      outcome: "failed",
      reason: "account_closed",
    });
  });

  it("retries an unknown outcome with backoff before the last attempt", () => {
    expect(decideSettlement(unknown, 1, policy, () => 0)).toEqual({ action: "retry", delayMs: 50 });
    expect(decideSettlement(unknown, 3, policy, () => 0)).toEqual({
      action: "retry",
      delayMs: 200,
    });
  });

  it("parks an unknown outcome at the last attempt and never fails it", () => {
    for (const attempt of [4, 5, 100]) {
      const decision = decideSettlement(unknown, attempt, policy);
      expect(decision).toMatchObject({ action: "publish", outcome: "parked" });
      expect(decision.action === "publish" && decision.reason).toContain("server_error");
    }
    for (let attempt = 1; attempt <= 10; attempt++) {
      const decision = decideSettlement(unknown, attempt, policy);
      expect(decision.action === "publish" && decision.outcome === "failed").toBe(false);
    }
  });
});
