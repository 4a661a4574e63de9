import { describe, expect, it } from "vitest";
import { AssertionError } from "./assert.js";
import { planSettlement, type SettlingTransaction } from "./settlement-plan.js";

const pending = (id: string, userId: bigint, amountMinor: bigint): SettlingTransaction => ({
  id,
  userId,
  type: "withdrawal",
  status: "pending",
  amountMinor,
});
const ids = () => {
  let n = 0;
  return () => `refund-${(n += 1)}`;
};

describe("planSettlement", () => {
  it("completes a paid withdrawal: its amount leaves pending and nothing comes back", () => {
    const plan = planSettlement(
      [{ transactionId: "w1", outcome: "completed", bankReference: "bank-1" }],
      new Map([["w1", pending("w1", 1n, 30n)]]),
      ids(),
    );
    expect(plan.outcomes).toEqual(["applied"]);
    expect(plan.decisions).toEqual([
      { kind: "complete", withdrawalId: "w1", bankReference: "bank-1" },
    ]);
    expect(plan.moves.get(1n)).toEqual({ settledMinor: 30n, refundedMinor: 0n });
  });

  it("refunds a refused withdrawal in full, with a refund that points at it", () => {
    const plan = planSettlement(
      [{ transactionId: "w1", outcome: "failed", reason: "account closed" }],
      new Map([["w1", pending("w1", 1n, 30n)]]),
      ids(),
    );
    expect(plan.decisions).toEqual([
      {
        kind: "fail",
        withdrawalId: "w1",
        reason: "account closed",
        refundId: "refund-1",
        userId: 1n,
        amountMinor: 30n,
      },
    ]);
    expect(plan.moves.get(1n)).toEqual({ settledMinor: 30n, refundedMinor: 30n });
  });

  it("parks a withdrawal without moving money", () => {
    const plan = planSettlement(
      [{ transactionId: "w1", outcome: "parked" }],
      new Map([["w1", pending("w1", 1n, 30n)]]),
      ids(),
    );
    expect(plan.decisions).toEqual([
      { kind: "park", withdrawalId: "w1", reason: "settlement gave up" },
    ]);
    expect(plan.moves.size).toBe(0);
  });

  it("ignores a duplicate or late result: the withdrawal is no longer pending", () => {
    const settled = new Map<string, SettlingTransaction>([
      ["done", { ...pending("done", 1n, 5n), status: "completed" }],
      ["refused", { ...pending("refused", 1n, 5n), status: "failed" }],
    ]);
    const plan = planSettlement(
      [
        { transactionId: "done", outcome: "failed" },
        { transactionId: "refused", outcome: "completed", bankReference: "late" },
      ],
      settled,
      ids(),
    );
    expect(plan.outcomes).toEqual(["ignored", "ignored"]);
    expect(plan.decisions).toEqual([]);
    expect(plan.moves.size).toBe(0);
  });

  it("ignores a result for an unknown transaction or one that is not a withdrawal", () => {
    const charge: SettlingTransaction = {
      id: "c1",
      userId: 1n,
      type: "charge",
      status: "completed",
      amountMinor: 5n,
    };
    const plan = planSettlement(
      [
        { transactionId: "nope", outcome: "completed" },
        { transactionId: "c1", outcome: "failed" },
      ],
      new Map([["c1", charge]]),
      ids(),
    );
    expect(plan.outcomes).toEqual(["ignored", "ignored"]);
  });

  it("adds up one user's moves across results", () => {
    const plan = planSettlement(
      [
        { transactionId: "a", outcome: "completed" },
        { transactionId: "b", outcome: "failed" },
      ],
      new Map([
        ["a", pending("a", 7n, 10n)],
        ["b", pending("b", 7n, 4n)],
      ]),
      ids(),
    );
    expect(plan.moves.get(7n)).toEqual({ settledMinor: 14n, refundedMinor: 4n });
  });

  it("refuses two results for the same withdrawal in one plan", () => {
    expect(() =>
      planSettlement(
        [
          { transactionId: "a", outcome: "completed" },
          { transactionId: "a", outcome: "failed" },
        ],
        new Map(),
        ids(),
      ),
    ).toThrow(AssertionError);
  });
});
