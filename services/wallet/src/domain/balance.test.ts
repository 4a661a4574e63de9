import { describe, expect, it } from "vitest";
import { AssertionError } from "./assert.js";
import { balanceAt, foldMaturedLocks, isMatured, type BalanceLock } from "./balance.js";

const at = new Date("2026-06-01T12:00:00.000Z");
const lock = (id: string, amountMinor: bigint, offsetMs: number): BalanceLock => ({
  transactionId: id,
  amountMinor,
  releaseAt: new Date(at.getTime() + offsetMs),
});
const parts = (availableMinor: bigint, lockedMinor: bigint, pendingMinor = 0n) => ({
  availableMinor,
  lockedMinor,
  pendingMinor,
});

describe("the matured-lock rule", () => {
  it("counts a lock as released from exactly its release time on, not a millisecond before", () => {
    expect(isMatured(lock("a", 1n, 0), at)).toBe(true);
    expect(isMatured(lock("a", 1n, -1), at)).toBe(true);
    expect(isMatured(lock("a", 1n, 1), at)).toBe(false);
  });

  it("moves only matured locks from locked to available, and names them for the writer to remove", () => {
    const folded = foldMaturedLocks(
      parts(10n, 60n, 5n),
      [lock("past", 20n, -1_000), lock("now", 10n, 0), lock("later", 30n, 1)],
      at,
    );
    expect(folded.parts).toEqual(parts(40n, 30n, 5n));
    expect(folded.matured.map((l) => l.transactionId)).toEqual(["past", "now"]);
    expect(folded.nextReleaseAt).toEqual(new Date(at.getTime() + 1));
  });

  it("leaves a wallet without locks as it is", () => {
    expect(foldMaturedLocks(parts(7n, 0n), [], at)).toEqual({
      parts: parts(7n, 0n),
      matured: [],
      nextReleaseAt: null,
    });
  });

  it("refuses to fold more than the wallet holds locked: the stored parts and the locks disagree", () => {
    expect(() => foldMaturedLocks(parts(0n, 5n), [lock("a", 6n, -1)], at)).toThrow(AssertionError);
  });

  it("gives a reader the split with the total and the next release", () => {
    expect(
      balanceAt(3n, parts(1n, 9n, 2n), [lock("a", 4n, -5), lock("b", 5n, 60_000)], at),
    ).toEqual({
      userId: 3n,
      availableMinor: 5n,
      lockedMinor: 5n,
      pendingMinor: 2n,
      totalMinor: 12n,
      nextReleaseAt: new Date(at.getTime() + 60_000),
      asOf: at,
    });
  });
});
