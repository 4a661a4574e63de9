/**
 * What a payout call to the bank tells us, decided in one place. Only two answers are definitive:
 * a 200 that says "paid" and a 422 that says "rejected". Everything else (409 in progress, any
 * 5xx, a timeout, a broken connection, an unexpected status or body) is an unknown outcome: the
 * bank may or may not have paid, so the payout is retried with the same idempotency key and is
 * never refunded on a guess.
 */

/** What the HTTP adapter saw, before any interpretation. */
export type BankObservation =
  | { type: "response"; status: number; body: unknown }
  | { type: "timeout" }
  | { type: "network"; detail: string };

/** Why an outcome is unknown; also the `kind` label of the bank call metric. */
export type UnknownKind =
  "in_progress" | "server_error" | "timeout" | "network" | "unexpected_status" | "bad_response";

export type BankOutcome =
  | { outcome: "paid"; bankReference: string }
  | { outcome: "rejected"; reason: string }
  | { outcome: "unknown"; kind: UnknownKind; detail: string };

/** Result messages carry at most 1000 characters per text field; the bank's text is cut well below that. */
export const bankTextMaxChars = 500;

export function classifyBankObservation(observation: BankObservation): BankOutcome {
  switch (observation.type) {
    case "timeout":
      return { outcome: "unknown", kind: "timeout", detail: "no answer within the bank timeout" };
    case "network":
      return { outcome: "unknown", kind: "network", detail: observation.detail };
    case "response":
      return classifyResponse(observation.status, observation.body);
  }
}

function classifyResponse(status: number, body: unknown): BankOutcome {
  const fields =
    typeof body === "object" && body !== null && !Array.isArray(body)
      ? (body as Record<string, unknown>)
      : {};
  if (status === 200) {
    const reference = fields.bank_reference;
    if (
      fields.status === "paid" &&
      typeof reference === "string" &&
      reference.length > 0 &&
      reference.length <= bankTextMaxChars
    ) {
      return { outcome: "paid", bankReference: reference };
    }
    return {
      outcome: "unknown",
      kind: "bad_response",
      detail: "200 without status paid and a bank_reference",
    };
  }
  if (status === 422) {
    // A refusal refunds the user, so it has to be unmistakable: the body must say so too.
    if (fields.status !== "rejected") {
      return { outcome: "unknown", kind: "bad_response", detail: "422 without status rejected" };
    }
    const reason =
      typeof fields.reason === "string" && fields.reason.length > 0
        ? fields.reason
        : "rejected by the bank (no reason given)";
    return { outcome: "rejected", reason: reason.slice(0, bankTextMaxChars) };
  }
  if (status === 409)
    return {
      outcome: "unknown",
      kind: "in_progress",
      detail: "409: the bank is still processing this key",
    };
  if (status >= 500 && status <= 599)
    return { outcome: "unknown", kind: "server_error", detail: `bank answered ${status}` };
  return { outcome: "unknown", kind: "unexpected_status", detail: `bank answered ${status}` };
}
