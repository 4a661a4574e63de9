/**
 * The simulated bank's rules, without HTTP or files: the ledger, idempotency by reference, the
 * scripted and random choice of outcomes, and the guarantee that money moves at most once per
 * reference. The HTTP layer only waits, answers and breaks connections as told.
 */
import type { Behaviour } from "./behaviour.js";
import { pickLatencyMs, pickOutcome, rejectionReasons, type Outcome } from "./outcome.js";
import type { PayoutRequest } from "./payout-request.js";
import type { Decision, PayoutRecord } from "./payout-record.js";
import { createRandom, randomIntInclusive } from "./random.js";

/** Where changed records go so that they survive a restart; the state file, or nothing. */
export interface Journal {
  write(record: PayoutRecord): void;
  clear(): void;
}

/** What POST /payouts should do before any waiting. */
export type Admission =
  /** Already decided: answer the stored decision; nothing moves. */
  | { readonly kind: "replay"; readonly decision: Decision }
  /** Another request with this key is inside its latency wait. */
  | { readonly kind: "in_progress" }
  /** The key was first used with another user or amount; refused, nothing changes. */
  | { readonly kind: "key_reused" }
  /** The ledger holds payoutsMax references and this is a new one; nothing is recorded. */
  | { readonly kind: "ledger_full" }
  /** Processed: wait `latencyMs`, then call `finish()`. */
  | { readonly kind: "process"; readonly attempt: Attempt };

export interface Attempt {
  readonly outcome: Outcome;
  /** 0 for a hang, which holds the connection for its own bound instead. */
  readonly latencyMs: number;
  /** Applies the outcome to the ledger; call exactly once, after the latency wait. */
  finish(): Settlement;
}

export type Settlement =
  | { readonly outcome: "paid" | "rejected" | "lost_response"; readonly decision: Decision }
  | { readonly outcome: "error"; readonly httpStatus: 500 | 503 }
  | { readonly outcome: "hang" }
  /** The ledger was reset while this attempt waited; nothing was recorded. */
  | { readonly outcome: "abandoned" };

export type Lookup =
  | { readonly kind: "decided"; readonly decision: Decision }
  | { readonly kind: "in_progress" }
  | { readonly kind: "unknown" };

export interface LedgerTotals {
  references: number;
  paid: number;
  rejected: number;
  undecided: number;
  /** Sum of paid amounts, in minor units. */
  paidAmountMinor: bigint;
  /** Sum of pay counts: equals `paid` unless something paid twice. */
  payCount: number;
  requests: number;
}

export interface PayoutBookOptions {
  readonly behaviour: Behaviour;
  /** Seeds the randomness; a reset starts the same sequence again. */
  readonly seed?: number;
  readonly payoutsMax: number;
  /** Scripts hold at most this many references, each at most this many outcomes. */
  readonly scriptsMax?: number;
  readonly scriptOutcomesMax?: number;
  readonly journal?: Journal;
  /** Records loaded from the state file. */
  readonly initialRecords?: Iterable<PayoutRecord>;
  readonly newBankReference: () => string;
}

export interface PayoutBook {
  admit(request: PayoutRequest): Admission;
  lookup(reference: string): Lookup;
  records(): PayoutRecord[];
  totals(): LedgerTotals;
  behaviour(): Behaviour;
  setBehaviour(behaviour: Behaviour): void;
  /** The next processed POSTs for `reference` (or any reference for "*") take these outcomes. */
  setScript(reference: string, outcomes: readonly Outcome[]): void;
  /** Outcomes still scripted, by reference. */
  scripts(): Record<string, Outcome[]>;
  /** Attempts inside their latency wait. */
  inFlightCount(): number;
  /** Forgets every payout, script and behaviour change; the journal is emptied too. */
  reset(): void;
}

/** The script key that applies to every reference without a script of its own. */
export const anyReference = "*";

type MutableRecord = { -readonly [K in keyof PayoutRecord]: PayoutRecord[K] };

export function createPayoutBook(options: PayoutBookOptions): PayoutBook {
  const scriptsMax = options.scriptsMax ?? 10_000;
  const scriptOutcomesMax = options.scriptOutcomesMax ?? 1_000;
  const journal = options.journal;
  const ledger = new Map<string, MutableRecord>();
  for (const record of options.initialRecords ?? []) ledger.set(record.reference, { ...record });
  const inFlight = new Set<string>();
  const scripted = new Map<string, Outcome[]>();
  let behaviour = options.behaviour;
  let random = createRandom(options.seed);
  // Bumped by reset, so an attempt that was waiting across a reset cannot write into the new ledger.
  let generation = 0;

  function nextScriptedOutcome(reference: string): Outcome | undefined {
    for (const key of [reference, anyReference]) {
      const queue = scripted.get(key);
      const outcome = queue?.shift();
      if (queue !== undefined && queue.length === 0) scripted.delete(key);
      if (outcome !== undefined) return outcome;
    }
    return undefined;
  }

  function startAttempt(record: MutableRecord): Attempt {
    const outcome = nextScriptedOutcome(record.reference) ?? pickOutcome(behaviour, random);
    const latencyMs = outcome === "hang" ? 0 : pickLatencyMs(behaviour, random);
    const attemptGeneration = generation;
    let finished = false;
    inFlight.add(record.reference);
    return {
      outcome,
      latencyMs,
      finish(): Settlement {
        if (finished) throw new Error(`attempt for ${record.reference} finished twice`);
        finished = true;
        if (attemptGeneration !== generation) return { outcome: "abandoned" };
        inFlight.delete(record.reference);
        switch (outcome) {
          case "paid":
          case "lost_response": {
            const decision: Decision = {
              status: "paid",
              bankReference: options.newBankReference(),
            };
            record.decision = decision;
            // The only place money moves. Admission lets one attempt per reference through while
            // undecided, so this stays at 1; it is counted rather than assumed so a test can check.
            record.payCount += 1;
            journal?.write(record);
            return { outcome, decision };
          }
          case "rejected": {
            const reason =
              rejectionReasons[randomIntInclusive(random, 0, rejectionReasons.length - 1)] ??
              "rejected";
            const decision: Decision = { status: "rejected", reason };
            record.decision = decision;
            journal?.write(record);
            return { outcome, decision };
          }
          case "error":
            return { outcome, httpStatus: random() < 0.5 ? 500 : 503 };
          case "hang":
            return { outcome };
        }
      },
    };
  }

  return {
    admit(request) {
      let record = ledger.get(request.reference);
      if (record === undefined) {
        if (ledger.size >= options.payoutsMax) return { kind: "ledger_full" };
        record = {
          reference: request.reference,
          userId: request.userId,
          amountMinor: request.amountMinor,
          decision: undefined,
          payCount: 0,
          requests: 0,
        };
        ledger.set(request.reference, record);
      }
      record.requests += 1;
      journal?.write(record);
      if (record.userId !== request.userId || record.amountMinor !== request.amountMinor) {
        return { kind: "key_reused" };
      }
      if (record.decision !== undefined) return { kind: "replay", decision: record.decision };
      if (inFlight.has(record.reference)) return { kind: "in_progress" };
      return { kind: "process", attempt: startAttempt(record) };
    },

    lookup(reference) {
      const decision = ledger.get(reference)?.decision;
      if (decision !== undefined) return { kind: "decided", decision };
      return inFlight.has(reference) ? { kind: "in_progress" } : { kind: "unknown" };
    },

    records: () => [...ledger.values()].map((record) => ({ ...record })),

    totals() {
      const totals: LedgerTotals = {
        references: ledger.size,
        paid: 0,
        rejected: 0,
        undecided: 0,
        paidAmountMinor: 0n,
        payCount: 0,
        requests: 0,
      };
      for (const record of ledger.values()) {
        totals.requests += record.requests;
        totals.payCount += record.payCount;
        if (record.decision?.status === "paid") {
          totals.paid += 1;
          totals.paidAmountMinor += record.amountMinor;
        } else if (record.decision?.status === "rejected") {
          totals.rejected += 1;
        } else {
          totals.undecided += 1;
        }
      }
      return totals;
    },

    behaviour: () => behaviour,

    setBehaviour(next) {
      behaviour = next;
    },

    setScript(reference, outcomes) {
      if (outcomes.length > scriptOutcomesMax) {
        throw new RangeError(`a script holds at most ${scriptOutcomesMax} outcomes`);
      }
      if (!scripted.has(reference) && scripted.size >= scriptsMax) {
        throw new RangeError(`at most ${scriptsMax} references may be scripted at once`);
      }
      if (outcomes.length === 0) scripted.delete(reference);
      else scripted.set(reference, [...outcomes]);
    },

    scripts: () =>
      Object.fromEntries([...scripted].map(([reference, queue]) => [reference, [...queue]])),

    inFlightCount: () => inFlight.size,

    reset() {
      generation += 1;
      ledger.clear();
      inFlight.clear();
      scripted.clear();
      behaviour = options.behaviour;
      random = createRandom(options.seed);
      journal?.clear();
    },
  };
}
