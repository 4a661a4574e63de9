import { describe, expect, it } from "vitest";
import { WalletError } from "@wallet/errors";
import {
  requireTransactionId,
  validateCharge,
  validatePageSize,
  validateWithdraw,
} from "./commands.js";

const limits = { releaseHorizonMs: 10 * 365 * 86_400_000 };
const now = new Date("2026-01-01T00:00:00Z");
const valid = { userId: 1n, amount: 100n, idempotencyKey: "k", releaseAtEpochMs: undefined };

function fieldOf(run: () => unknown): string | undefined {
  try {
    run();
  } catch (err) {
    expect(err).toBeInstanceOf(WalletError);
    expect((err as WalletError).code).toBe("INVALID_ARGUMENT");
    return (err as WalletError).field;
  }
  throw new Error("expected a validation error");
}

describe("validateCharge", () => {
  it("accepts a plain charge and keeps the amount exact", () => {
    const command = validateCharge({ ...valid, amount: 2n ** 63n - 1n }, limits, now);
    expect(command.amountMinor).toBe(9223372036854775807n);
    expect(command.releaseAt).toBeNull();
  });

  it.each([
    ["user_id", { userId: 0n }],
    ["user_id", { userId: -5n }],
    ["amount", { amount: 0n }],
    ["amount", { amount: -1n }],
    ["amount", { amount: 2n ** 63n }],
    ["idempotency_key", { idempotencyKey: "" }],
    ["idempotency_key", { idempotencyKey: "x".repeat(256) }],
    ["idempotency_key", { idempotencyKey: "a\u0000b" }],
    ["release_at", { releaseAtEpochMs: null }],
    ["release_at", { releaseAtEpochMs: -1n }],
    ["release_at", { releaseAtEpochMs: BigInt(Date.parse("9999-12-31T00:00:00Z")) }],
  ])("names %s when it is bad", (field, patch) => {
    expect(fieldOf(() => validateCharge({ ...valid, ...patch }, limits, now))).toBe(field);
  });

  it("accepts a 255-character key and unicode keys", () => {
    expect(
      validateCharge({ ...valid, idempotencyKey: "é".repeat(255) }, limits, now).idempotencyKey,
    ).toHaveLength(255);
  });

  it("keeps a past release time, which means available at once", () => {
    const command = validateCharge({ ...valid, releaseAtEpochMs: 0n }, limits, now);
    expect(command.releaseAt?.getTime()).toBe(0);
  });
});

describe("validateWithdraw", () => {
  it("refuses a missing key", () => {
    expect(fieldOf(() => validateWithdraw({ userId: 1n, amount: 1n, idempotencyKey: "" }))).toBe(
      "idempotency_key",
    );
  });
});

describe("validatePageSize", () => {
  it("defaults 0 to 20 and bounds the rest", () => {
    expect(validatePageSize(0)).toBe(20);
    expect(validatePageSize(100)).toBe(100);
    expect(fieldOf(() => validatePageSize(101))).toBe("page_size");
    expect(fieldOf(() => validatePageSize(-1))).toBe("page_size");
  });
});

describe("requireTransactionId", () => {
  it("accepts a UUID in any case and refuses anything else", () => {
    expect(requireTransactionId("0B8E5D3C-7F6A-4E2B-9C1D-2A3B4C5D6E7F")).toBe(
      "0b8e5d3c-7f6a-4e2b-9c1d-2a3b4c5d6e7f",
    );
    expect(fieldOf(() => requireTransactionId("nope"))).toBe("id");
    expect(fieldOf(() => requireTransactionId(""))).toBe("id");
  });
});
