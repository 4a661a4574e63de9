import { describe, expect, it } from "vitest";
import { classifyBankObservation, type BankObservation, type BankOutcome } from "./bank-outcome.js";

const response = (status: number, body: unknown): BankObservation => ({
  type: "response",
  status,
  body,
});

describe("classifyBankObservation", () => {
  const table: [string, BankObservation, BankOutcome["outcome"], string?][] = [
    [
      "a 200 paid with a reference",
      response(200, { status: "paid", bank_reference: "B-1" }),
      "paid",
    ],
    ["a 422 rejected", response(422, { status: "rejected", reason: "account_closed" }), "rejected"],
    ["a 409 still processing", response(409, { status: "processing" }), "unknown", "in_progress"],
    ["a 500", response(500, undefined), "unknown", "server_error"],
    ["a 503", response(503, { error: "busy" }), "unknown", "server_error"],
    ["a 502 from a proxy", response(502, "<html>"), "unknown", "server_error"],
    ["a timeout", { type: "timeout" }, "unknown", "timeout"],
    ["a reset connection", { type: "network", detail: "ECONNRESET" }, "unknown", "network"],
    ["a 200 without a reference", response(200, { status: "paid" }), "unknown", "bad_response"],
    ["a 200 that is not JSON", response(200, undefined), "unknown", "bad_response"],
    [
      "a 200 with another status",
      response(200, { status: "rejected", reason: "x" }),
      "unknown",
      "bad_response",
    ],
    [
      "a 422 whose body does not say rejected",
      response(422, { error: "validation failed" }),
      "unknown",
      "bad_response",
    ],
    [
      "a 400",
      response(400, { status: "rejected", reason: "bad amount" }),
      "unknown",
      "unexpected_status",
    ],
    ["a 404", response(404, undefined), "unknown", "unexpected_status"],
    [
      "a 201",
      response(201, { status: "paid", bank_reference: "B-1" }),
      "unknown",
      "unexpected_status",
    ],
  ];

  it.each(table)("reads %s as %s", (_name, observation, outcome, kind) => {
    const result = classifyBankObservation(observation);
    expect(result.outcome).toBe(outcome);
    if (kind) expect(result).toMatchObject({ kind });
  });

  it("treats only a 422 that says rejected as a refusal", () => {
    for (let status = 100; status <= 599; status++) {
      const result = classifyBankObservation(response(status, { status: "rejected", reason: "r" }));
      expect(result.outcome === "rejected").toBe(status === 422);
    }
  });

  it("keeps the bank's reference and reason, bounded in length", () => {
    expect(
      classifyBankObservation(response(200, { status: "paid", bank_reference: "B-42" })),
    ).toEqual({ outcome: "paid", bankReference: "B-42" });
    const rejected = classifyBankObservation(
      response(422, { status: "rejected", reason: "x".repeat(5_000) }),
    );
    expect(rejected.outcome === "rejected" && rejected.reason.length).toBe(500);
    expect(classifyBankObservation(response(422, { status: "rejected" }))).toMatchObject({
      outcome: "rejected",
      reason: expect.any(String),
    });
    expect(
      classifyBankObservation(response(200, { status: "paid", bank_reference: "B".repeat(501) }))
        .outcome,
    ).toBe("unknown");
  });
});
