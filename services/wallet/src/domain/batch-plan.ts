/**
 * The rules of a write batch, without a database: given the locked wallet states at one instant
 * and the batch's requests in arrival order, decide each request's fate and the wallets' final
 * states. A user's withdrawals are checked in order against the balance as it stands after the
 * requests before them, exactly as if they had run one by one.
 */
import { WalletError } from "@wallet/errors";
import { emptyWallet, isMatured, type WalletParts } from "./balance.js";
import type { WriteRequest } from "./commands.js";
import { maxMinorUnits } from "./money.js";

export type { WalletParts } from "./balance.js";
export type { WriteRequest } from "./commands.js";

export type PlannedOutcome =
  { accepted: true; lockedUntilRelease: boolean } | { accepted: false; error: WalletError };

export interface BatchPlan {
  /** One per request, in the requests' order. */
  outcomes: PlannedOutcome[];
  /** Final parts of every wallet the batch changed. The wallets passed in have matured locks folded. */
  changed: Map<bigint, WalletParts>;
}

export interface BatchContext {
  /** The database clock at the batch's start. */
  now: Date;
  /** Unsettled withdrawals system-wide before this batch, and the bound on them. */
  pendingWithdrawals: number;
  withdrawalBacklogMax: number;
}

export function planBatch(
  requests: readonly WriteRequest[],
  wallets: ReadonlyMap<bigint, WalletParts>,
  context: BatchContext,
): BatchPlan {
  const changed = new Map<bigint, WalletParts>();
  let pendingWithdrawals = context.pendingWithdrawals;
  const current = (userId: bigint) => changed.get(userId) ?? wallets.get(userId);

  const outcomes = requests.map((request): PlannedOutcome => {
    const { userId, amountMinor } = request.command;
    const parts = current(userId);
    if (request.kind === "charge") {
      const base = parts ?? emptyWallet;
      if (
        base.availableMinor + base.lockedMinor + base.pendingMinor + amountMinor >
        maxMinorUnits
      ) {
        return {
          accepted: false,
          error: new WalletError(
            "BALANCE_OVERFLOW",
            "amount: the balance would exceed 9223372036854775807",
            { field: "amount" },
          ),
        };
      }
      const releaseAt = request.command.releaseAt;
      const lockedUntilRelease = releaseAt !== null && !isMatured({ releaseAt }, context.now);
      changed.set(userId, {
        availableMinor: base.availableMinor + (lockedUntilRelease ? 0n : amountMinor),
        lockedMinor: base.lockedMinor + (lockedUntilRelease ? amountMinor : 0n),
        pendingMinor: base.pendingMinor,
      });
      return { accepted: true, lockedUntilRelease };
    }
    if (pendingWithdrawals >= context.withdrawalBacklogMax) {
      return {
        accepted: false,
        error: new WalletError(
          "WITHDRAWAL_BACKLOG_FULL",
          "too many withdrawals are waiting for the bank, try again later",
        ),
      };
    }
    if (!parts || parts.availableMinor < amountMinor) {
      return {
        accepted: false,
        error: new WalletError("INSUFFICIENT_FUNDS", "insufficient available funds"),
      };
    }
    pendingWithdrawals += 1;
    changed.set(userId, {
      availableMinor: parts.availableMinor - amountMinor,
      lockedMinor: parts.lockedMinor,
      pendingMinor: parts.pendingMinor + amountMinor,
    });
    return { accepted: true, lockedUntilRelease: false };
  });
  return { outcomes, changed };
}
