import { describe, expect, it } from "vitest";
import type { Behaviour } from "./behaviour.js";
import {
  createPayoutBook,
  type Admission,
  type Attempt,
  type Journal,
  type PayoutBookOptions,
} from "./payout-book.js";
import type { PayoutRecord } from "./payout-record.js";
import type { PayoutRequest } from "./payout-request.js";

const calm: Behaviour = {
  latencyMsMin: 10,
  latencyMsMax: 20,
  rejectRate: 0,
  errorRate: 0,
  hangRate: 0,
  lostResponseRate: 0,
};

function request(reference: string, amountMinor = 1_000n, userId = "u1"): PayoutRequest {
  return { reference, userId, amountMinor };
}

function recordingJournal() {
  const written: PayoutRecord[] = [];
  let clears = 0;
  const journal: Journal = {
    write: (record) => written.push({ ...record }),
    clear: () => {
      clears += 1;
    },
  };
  return { journal, written, clears: () => clears };
}

function newBook(overrides: Partial<PayoutBookOptions> = {}) {
  let counter = 0;
  return createPayoutBook({
    behaviour: calm,
    seed: 1,
    payoutsMax: 1_000,
    newBankReference: () => `bnk-${++counter}`,
    ...overrides,
  });
}

function expectAttempt(admission: Admission): Attempt {
  if (admission.kind !== "process") throw new Error(`expected an attempt, got ${admission.kind}`);
  return admission.attempt;
}

describe("createPayoutBook", () => {
  it("pays once and replays the stored answer to every repeat", () => {
    const book = newBook();
    const attempt = expectAttempt(book.admit(request("tx-1")));
    expect(attempt.outcome).toBe("paid");
    expect(attempt.latencyMs).toBeGreaterThanOrEqual(10);
    expect(attempt.latencyMs).toBeLessThanOrEqual(20);
    expect(attempt.finish()).toEqual({
      outcome: "paid",
      decision: { status: "paid", bankReference: "bnk-1" },
    });

    for (let i = 0; i < 3; i++) {
      expect(book.admit(request("tx-1"))).toEqual({
        kind: "replay",
        decision: { status: "paid", bankReference: "bnk-1" },
      });
    }
    const [record] = book.records();
    expect(record).toMatchObject({
      reference: "tx-1",
      payCount: 1,
      requests: 4,
      amountMinor: 1_000n,
    });
    expect(book.totals()).toMatchObject({
      paid: 1,
      payCount: 1,
      requests: 4,
      paidAmountMinor: 1_000n,
    });
  });

  it("answers in_progress to a repeat while the first attempt waits, and pays once", () => {
    const book = newBook();
    const attempt = expectAttempt(book.admit(request("tx-1")));
    expect(book.admit(request("tx-1"))).toEqual({ kind: "in_progress" });
    expect(book.lookup("tx-1")).toEqual({ kind: "in_progress" });
    expect(book.inFlightCount()).toBe(1);
    attempt.finish();
    expect(book.inFlightCount()).toBe(0);
    expect(book.admit(request("tx-1")).kind).toBe("replay");
    expect(book.records()[0]).toMatchObject({ payCount: 1, requests: 3 });
  });

  it("remembers a rejection and replays it without paying", () => {
    const book = newBook();
    book.setScript("tx-1", ["rejected"]);
    const settlement = expectAttempt(book.admit(request("tx-1"))).finish();
    expect(settlement.outcome).toBe("rejected");
    const replay = book.admit(request("tx-1"));
    expect(replay.kind).toBe("replay");
    if (replay.kind === "replay" && settlement.outcome === "rejected") {
      expect(replay.decision).toEqual(settlement.decision);
      expect(replay.decision.status).toBe("rejected");
    }
    expect(book.totals()).toMatchObject({ paid: 0, rejected: 1, payCount: 0, paidAmountMinor: 0n });
  });

  it("forgets a transient error so that the next attempt decides afresh", () => {
    const book = newBook();
    book.setScript("tx-1", ["error", "hang", "paid"]);
    const error = expectAttempt(book.admit(request("tx-1"))).finish();
    expect(error.outcome).toBe("error");
    if (error.outcome === "error") expect([500, 503]).toContain(error.httpStatus);
    expect(book.lookup("tx-1")).toEqual({ kind: "unknown" });

    const hang = expectAttempt(book.admit(request("tx-1")));
    expect(hang.latencyMs).toBe(0);
    expect(hang.finish()).toEqual({ outcome: "hang" });
    expect(book.lookup("tx-1")).toEqual({ kind: "unknown" });
    expect(book.records()[0]).toMatchObject({ decision: undefined, payCount: 0, requests: 2 });

    expect(expectAttempt(book.admit(request("tx-1"))).finish().outcome).toBe("paid");
    expect(book.records()[0]).toMatchObject({ payCount: 1, requests: 3 });
  });

  it("records a lost response as paid", () => {
    const book = newBook();
    book.setScript("tx-1", ["lost_response"]);
    const settlement = expectAttempt(book.admit(request("tx-1"))).finish();
    expect(settlement).toEqual({
      outcome: "lost_response",
      decision: { status: "paid", bankReference: "bnk-1" },
    });
    expect(book.lookup("tx-1")).toEqual({
      kind: "decided",
      decision: { status: "paid", bankReference: "bnk-1" },
    });
    expect(book.records()[0]?.payCount).toBe(1);
  });

  it("prefers a reference's own script over the wildcard, then falls back to the random mix", () => {
    const book = newBook({ behaviour: { ...calm, rejectRate: 1 } });
    book.setScript("*", ["error", "lost_response"]);
    book.setScript("tx-2", ["paid"]);
    expect(expectAttempt(book.admit(request("tx-2"))).outcome).toBe("paid");
    expect(expectAttempt(book.admit(request("tx-1"))).outcome).toBe("error");
    expect(expectAttempt(book.admit(request("tx-3"))).outcome).toBe("lost_response");
    expect(book.scripts()).toEqual({});
    expect(expectAttempt(book.admit(request("tx-4"))).outcome).toBe("rejected");
  });

  it("does not spend a scripted outcome on a replay or an in_progress answer", () => {
    const book = newBook();
    book.setScript("tx-1", ["paid", "error"]);
    const attempt = expectAttempt(book.admit(request("tx-1")));
    expect(book.admit(request("tx-1")).kind).toBe("in_progress");
    attempt.finish();
    expect(book.admit(request("tx-1")).kind).toBe("replay");
    expect(book.scripts()).toEqual({ "tx-1": ["error"] });
  });

  it("refuses a key reused with another amount or user and changes nothing", () => {
    const book = newBook();
    expectAttempt(book.admit(request("tx-1", 1_000n))).finish();
    expect(book.admit(request("tx-1", 2_000n))).toEqual({ kind: "key_reused" });
    expect(book.admit(request("tx-1", 1_000n, "u2"))).toEqual({ kind: "key_reused" });
    expect(book.records()[0]).toMatchObject({ amountMinor: 1_000n, userId: "u1", payCount: 1 });
  });

  it("refuses new references past payoutsMax but still replays known ones", () => {
    const book = newBook({ payoutsMax: 1 });
    expectAttempt(book.admit(request("tx-1"))).finish();
    expect(book.admit(request("tx-2"))).toEqual({ kind: "ledger_full" });
    expect(book.admit(request("tx-1")).kind).toBe("replay");
    expect(book.totals().references).toBe(1);
  });

  it("keeps an attempt that outlives a reset out of the new ledger", () => {
    const { journal, written, clears } = recordingJournal();
    const book = newBook({ journal });
    const attempt = expectAttempt(book.admit(request("tx-1")));
    book.reset();
    expect(clears()).toBe(1);
    const writtenBefore = written.length;
    expect(attempt.finish()).toEqual({ outcome: "abandoned" });
    expect(written).toHaveLength(writtenBefore);
    expect(book.records()).toEqual([]);
    expect(expectAttempt(book.admit(request("tx-1"))).finish().outcome).toBe("paid");
  });

  it("returns to the configured behaviour, empty scripts and the same random sequence on reset", () => {
    const book = newBook({ behaviour: { ...calm, rejectRate: 0.5 } });
    const before = ["a", "b", "c", "d", "e", "f"].map(
      (ref) => expectAttempt(book.admit(request(ref))).outcome,
    );
    book.setBehaviour({ ...calm, errorRate: 1 });
    book.setScript("*", ["hang"]);
    book.reset();
    expect(book.behaviour().rejectRate).toBe(0.5);
    expect(book.scripts()).toEqual({});
    const after = ["a", "b", "c", "d", "e", "f"].map(
      (ref) => expectAttempt(book.admit(request(ref))).outcome,
    );
    expect(after).toEqual(before);
    expect(new Set(before)).toEqual(new Set(["paid", "rejected"]));
  });

  it("writes every change to the journal, so the last record per reference is current", () => {
    const { journal, written } = recordingJournal();
    const book = newBook({ journal });
    const attempt = expectAttempt(book.admit(request("tx-1")));
    expect(written.at(-1)).toMatchObject({ reference: "tx-1", decision: undefined, requests: 1 });
    attempt.finish();
    expect(written.at(-1)).toMatchObject({
      decision: { status: "paid" },
      payCount: 1,
      requests: 1,
    });
    book.admit(request("tx-1"));
    expect(written.at(-1)).toMatchObject({ payCount: 1, requests: 2 });
  });

  it("replays payouts loaded from a previous run without paying again", () => {
    const book = newBook({
      initialRecords: [
        {
          reference: "tx-1",
          userId: "u1",
          amountMinor: 1_000n,
          decision: { status: "paid", bankReference: "bnk-old" },
          payCount: 1,
          requests: 1,
        },
      ],
    });
    expect(book.admit(request("tx-1"))).toEqual({
      kind: "replay",
      decision: { status: "paid", bankReference: "bnk-old" },
    });
    expect(book.records()[0]).toMatchObject({ payCount: 1, requests: 2 });
  });

  it("bounds scripts", () => {
    const book = newBook({ scriptsMax: 1, scriptOutcomesMax: 2 });
    expect(() => book.setScript("tx-1", ["paid", "paid", "paid"])).toThrow(RangeError);
    book.setScript("tx-1", ["paid"]);
    expect(() => book.setScript("tx-2", ["paid"])).toThrow(RangeError);
    book.setScript("tx-1", []);
    expect(book.scripts()).toEqual({});
  });
});
