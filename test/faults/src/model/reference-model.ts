/**
 * What every user's balance must be, built only from what the system acknowledged: a charge
 * acknowledged is credited (locked until its release time), a withdrawal acknowledged moves its
 * amount from available to pending, and its final state, read back with GetTransaction, either
 * removes it (completed) or returns it to available (failed). A write whose outcome was unknown
 * enters the model only once an idempotent retry has resolved it.
 *
 * Applying is idempotent by transaction id, because the same transaction may be learnt twice
 * (the first answer, then the original inside an ALREADY_EXISTS).
 */
import type { AckedTransaction, FinalStatus } from "./acked-transaction.js";

export interface ModelWithdrawal {
  id: string;
  userId: bigint;
  amount: bigint;
  status: FinalStatus;
  /** The scenario that sent it, for attributing a bank-side violation. */
  scenario: string;
}

interface ModelCharge {
  id: string;
  amount: bigint;
  releaseAtMs: number | null;
}

interface UserModel {
  charges: ModelCharge[];
  withdrawals: ModelWithdrawal[];
}

export interface BalanceParts {
  available: bigint;
  locked: bigint;
  pending: bigint;
  total: bigint;
}

export class ReferenceModel {
  private readonly users = new Map<bigint, UserModel>();
  private readonly known = new Set<string>();
  private readonly withdrawalsById = new Map<string, ModelWithdrawal>();

  /** Records an acknowledged charge or withdrawal; a second sight of the same id changes nothing. */
  apply(tx: AckedTransaction, scenario: string): void {
    if (this.known.has(tx.id)) return;
    this.known.add(tx.id);
    const user = this.user(tx.userId);
    if (tx.kind === "charge") {
      user.charges.push({ id: tx.id, amount: tx.amount, releaseAtMs: tx.releaseAtMs });
    } else {
      const withdrawal: ModelWithdrawal = {
        id: tx.id,
        userId: tx.userId,
        amount: tx.amount,
        status: tx.status,
        scenario,
      };
      user.withdrawals.push(withdrawal);
      this.withdrawalsById.set(tx.id, withdrawal);
    }
  }

  knows(id: string): boolean {
    return this.known.has(id);
  }

  /** The final state of a withdrawal as GetTransaction reported it. */
  settle(id: string, status: FinalStatus): void {
    const withdrawal = this.withdrawalsById.get(id);
    if (withdrawal && withdrawal.status === "pending") withdrawal.status = status;
  }

  withdrawals(): ModelWithdrawal[] {
    return [...this.withdrawalsById.values()];
  }

  userIds(): bigint[] {
    return [...this.users.keys()];
  }

  /**
   * The balance split the system must show at `asOfMs` (its own clock, from the read): a charge
   * is locked while its release time is strictly after the instant of the read.
   */
  expected(userId: bigint, asOfMs: number): BalanceParts {
    const user = this.users.get(userId);
    let matured = 0n;
    let locked = 0n;
    let pending = 0n;
    let spent = 0n;
    for (const charge of user?.charges ?? []) {
      if (charge.releaseAtMs !== null && charge.releaseAtMs > asOfMs) locked += charge.amount;
      else matured += charge.amount;
    }
    for (const withdrawal of user?.withdrawals ?? []) {
      if (withdrawal.status === "pending") pending += withdrawal.amount;
      if (withdrawal.status !== "failed") spent += withdrawal.amount;
    }
    const available = matured - spent;
    return { available, locked, pending, total: available + locked + pending };
  }

  private user(userId: bigint): UserModel {
    let user = this.users.get(userId);
    if (!user) {
      user = { charges: [], withdrawals: [] };
      this.users.set(userId, user);
    }
    return user;
  }
}
