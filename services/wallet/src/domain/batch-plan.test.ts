import { describe, expect, it } from "vitest";
import { planBatch, type WalletParts, type WriteRequest } from "./batch-plan.js";

const now = new Date("2026-01-01T00:00:00Z");
const context = { now, pendingWithdrawals: 0, withdrawalBacklogMax: 1_000 };
const charge = (
  userId: bigint,
  amountMinor: bigint,
  releaseAt: Date | null = null,
): WriteRequest => ({
  kind: "charge",
  command: { userId, amountMinor, idempotencyKey: `c${amountMinor}`, releaseAt },
});
const withdraw = (userId: bigint, amountMinor: bigint): WriteRequest => ({
  kind: "withdraw",
  command: { userId, amountMinor, idempotencyKey: `w${amountMinor}` },
});
const wallet = (availableMinor: bigint, lockedMinor = 0n, pendingMinor = 0n): WalletParts => ({
  availableMinor,
  lockedMinor,
  pendingMinor,
});
const codes = (plan: ReturnType<typeof planBatch>) =>
  plan.outcomes.map((o) => (o.accepted ? "ok" : o.error.code));

describe("planBatch", () => {
  it("checks a user's withdrawals in order against the balance as it stands", () => {
    const plan = planBatch(
      [withdraw(1n, 60n), withdraw(1n, 50n), charge(1n, 10n), withdraw(1n, 50n)],
      new Map([[1n, wallet(100n)]]),
      context,
    );
    expect(codes(plan)).toEqual(["ok", "INSUFFICIENT_FUNDS", "ok", "ok"]);
    expect(plan.changed.get(1n)).toEqual(wallet(0n, 0n, 110n));
  });

  it("lets a charge earlier in the batch fund a withdrawal later in it, for a new wallet too", () => {
    const plan = planBatch([charge(2n, 30n), withdraw(2n, 30n)], new Map(), context);
    expect(codes(plan)).toEqual(["ok", "ok"]);
    expect(plan.changed.get(2n)).toEqual(wallet(0n, 0n, 30n));
  });

  it("locks a charge released in the future and does not let it be withdrawn", () => {
    const plan = planBatch(
      [charge(3n, 40n, new Date(now.getTime() + 1)), withdraw(3n, 40n)],
      new Map(),
      context,
    );
    expect(codes(plan)).toEqual(["ok", "INSUFFICIENT_FUNDS"]);
    expect(plan.outcomes[0]).toEqual({ accepted: true, lockedUntilRelease: true });
    expect(plan.changed.get(3n)).toEqual(wallet(0n, 40n, 0n));
  });

  it("treats a release time equal to now as released", () => {
    const plan = planBatch([charge(4n, 5n, now)], new Map(), context);
    expect(plan.changed.get(4n)).toEqual(wallet(5n));
  });

  it("refuses only the charge that would overflow int64, not its neighbours", () => {
    const max = 2n ** 63n - 1n;
    const plan = planBatch([charge(5n, 1n), charge(5n, max), charge(6n, max)], new Map(), context);
    expect(codes(plan)).toEqual(["ok", "BALANCE_OVERFLOW", "ok"]);
  });

  it("stops accepting withdrawals at the backlog bound, counting the batch's own", () => {
    const plan = planBatch(
      [withdraw(7n, 1n), withdraw(7n, 1n), withdraw(7n, 1n)],
      new Map([[7n, wallet(10n)]]),
      {
        ...context,
        pendingWithdrawals: 1,
        withdrawalBacklogMax: 3,
      },
    );
    expect(codes(plan)).toEqual(["ok", "ok", "WITHDRAWAL_BACKLOG_FULL"]);
  });

  it("refuses a withdrawal for a user without a wallet", () => {
    expect(codes(planBatch([withdraw(8n, 1n)], new Map(), context))).toEqual([
      "INSUFFICIENT_FUNDS",
    ]);
  });
});
