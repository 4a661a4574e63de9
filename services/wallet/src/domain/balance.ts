/**
 * The balance split and the one rule that moves money between its parts without a request: a
 * charge locked until `release_at` counts as available from that instant on, whether or not any
 * write has folded it yet. Readers fold on the fly; writers fold for good, and both call this.
 */
import { assert } from "./assert.js";
import type { Balance } from "./transaction.js";

/** A wallet's stored parts, minor units. */
export interface WalletParts {
  availableMinor: bigint;
  lockedMinor: bigint;
  pendingMinor: bigint;
}

/** A charge still locked when it was recorded. */
export interface BalanceLock {
  transactionId: string;
  amountMinor: bigint;
  releaseAt: Date;
}

export interface FoldedWallet {
  /** The parts with every lock matured at `at` moved from locked to available. */
  parts: WalletParts;
  /** The locks that matured: a writer removes them in the same commit as the parts. */
  matured: readonly BalanceLock[];
  /** The earliest release still ahead, if any. */
  nextReleaseAt: Date | null;
}

const noLocks: readonly BalanceLock[] = Object.freeze([]);

export const emptyWallet: Readonly<WalletParts> = Object.freeze({
  availableMinor: 0n,
  lockedMinor: 0n,
  pendingMinor: 0n,
});

/** A release time equal to `at` counts as released. */
export function isMatured(lock: Pick<BalanceLock, "releaseAt">, at: Date): boolean {
  return lock.releaseAt.getTime() <= at.getTime();
}

export function foldMaturedLocks(
  parts: WalletParts,
  locks: readonly BalanceLock[],
  at: Date,
): FoldedWallet {
  // Most wallets hold no lock: nothing to fold, nothing to allocate.
  if (locks.length === 0) return { parts, matured: noLocks, nextReleaseAt: null };
  const matured: BalanceLock[] = [];
  let maturedMinor = 0n;
  let nextReleaseAt: Date | null = null;
  for (const lock of locks) {
    if (isMatured(lock, at)) {
      matured.push(lock);
      maturedMinor += lock.amountMinor;
    } else if (nextReleaseAt === null || lock.releaseAt < nextReleaseAt) {
      nextReleaseAt = lock.releaseAt;
    }
  }
  assert(maturedMinor <= parts.lockedMinor, "matured locks exceed the wallet's locked part");
  return {
    parts: {
      availableMinor: parts.availableMinor + maturedMinor,
      lockedMinor: parts.lockedMinor - maturedMinor,
      pendingMinor: parts.pendingMinor,
    },
    matured,
    nextReleaseAt,
  };
}

/** The split a reader sees at `asOf`. */
export function balanceAt(
  userId: bigint,
  parts: WalletParts,
  locks: readonly BalanceLock[],
  asOf: Date,
): Balance {
  const folded = foldMaturedLocks(parts, locks, asOf);
  const { availableMinor, lockedMinor, pendingMinor } = folded.parts;
  return {
    userId,
    availableMinor,
    lockedMinor,
    pendingMinor,
    totalMinor: availableMinor + lockedMinor + pendingMinor,
    nextReleaseAt: folded.nextReleaseAt,
    asOf,
  };
}
