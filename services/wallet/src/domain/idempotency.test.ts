import { describe, expect, it } from "vitest";
import { duplicateKeyError } from "./idempotency.js";
import type { Transaction } from "./transaction.js";

const original: Transaction = {
  id: "0b8e5d3c-7f6a-4e2b-9c1d-2a3b4c5d6e7f",
  seq: 1n,
  userId: 7n,
  type: "charge",
  amountMinor: 500n,
  status: "completed",
  idempotencyKey: "k",
  releaseAt: new Date(1_000),
  bankReference: null,
  failureReason: null,
  relatedTransactionId: null,
  parkedAt: null,
  createdAt: new Date(),
  updatedAt: new Date(),
};

describe("duplicateKeyError", () => {
  it("says DUPLICATE_REQUEST for the same payload and carries the original", () => {
    const err = duplicateKeyError(original, {
      type: "charge",
      amountMinor: 500n,
      releaseAt: new Date(1_000),
    });
    expect(err.code).toBe("DUPLICATE_REQUEST");
    expect(err.details).toBe(original);
  });

  it.each([
    ["amount", { type: "charge" as const, amountMinor: 501n, releaseAt: new Date(1_000) }],
    ["type", { type: "withdrawal" as const, amountMinor: 500n, releaseAt: new Date(1_000) }],
    ["release time", { type: "charge" as const, amountMinor: 500n, releaseAt: null }],
  ])("says IDEMPOTENCY_KEY_REUSED when the %s differs", (_what, intent) => {
    expect(duplicateKeyError(original, intent).code).toBe("IDEMPOTENCY_KEY_REUSED");
  });
});
