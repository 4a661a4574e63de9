/**
 * bank-sim's HTTP routes.
 *
 * The bank contract (DESIGN.md §6), what settlement calls:
 *
 *   POST /payouts            Idempotency-Key: <reference>
 *                            {"reference": "<id>", "user_id": "<id>", "amount": "<minor units>"}
 *     200 {"status": "paid", "bank_reference": "..."}   paid; a repeat returns the same, pays nothing
 *     422 {"status": "rejected", "reason": "..."}       refused for good; a repeat returns the same
 *     409 {"error": {"code": "IN_PROGRESS"}}            a request with this key is still being processed
 *     500/503                                           transient; nothing paid or remembered
 *     (hang)                                            no answer; socket destroyed after BANK_SIM_HANG_MS
 *     (lost response)                                   paid and remembered; socket destroyed unanswered
 *     400 {"error": {"code": "INVALID_ARGUMENT"}}       bad key or body (key must equal reference)
 *     400 {"error": {"code": "IDEMPOTENCY_KEY_REUSED"}} the key was first used with another user/amount
 *     413 body over BANK_SIM_BODY_BYTES_MAX; 503 LEDGER_FULL past BANK_SIM_PAYOUTS_MAX references
 *
 *   GET /payouts/<reference>
 *     200/422 with the same body as the POST for a decided payout; 409 while its first attempt is
 *     still being processed; 404 if never received, or if every attempt failed transiently or hung.
 *
 * Admin endpoints, for tests and benchmarks (not part of a real bank):
 *
 *   GET  /admin/payouts      the ledger: {"payouts": [{reference, user_id, amount, status
 *                            (paid | rejected | undecided), bank_reference | reason, pay_count,
 *                            requests}], "totals": {references, paid, rejected, undecided,
 *                            paid_amount, pay_count, requests}}. pay_count is how many times money
 *                            moved (never above 1 unless the bank is broken); requests counts
 *                            every POST for the reference, replays and refusals included.
 *   GET  /admin/behaviour    the current latency and rates.
 *   PUT  /admin/behaviour    {"latency_ms_min", "latency_ms_max", "reject_rate", "error_rate",
 *                            "hang_rate", "lost_response_rate"}: the fields given replace the
 *                            current ones; 400 on an unknown field, a bad value, min > max or
 *                            rates summing above 1. Answers the new behaviour.
 *   POST /admin/script       {"reference": "<id> or *", "outcomes": ["error", "error", "paid"]}:
 *                            the next POSTs for that reference that the bank processes (not
 *                            replays or 409s) take these outcomes in order, before the random
 *                            mix; "*" applies to references without a script of their own.
 *                            Replaces that reference's script; an empty list removes it.
 *                            Outcomes: paid, rejected, error, hang, lost_response.
 *   GET  /admin/script       the outcomes still scripted, by reference.
 *   POST /admin/reset        forgets every payout (state file included), script and behaviour
 *                            change; the seeded randomness starts over.
 *
 * Operations: GET /health -> 200 {"status": "ok"}; GET /metrics -> Prometheus text.
 */
import type { IncomingMessage } from "node:http";
import { setTimeout as sleep } from "node:timers/promises";
import type { Logger } from "@wallet/logger";
import type { Registry } from "@wallet/metrics";
import { z } from "@wallet/config";
import { applyBehaviourPatch, behaviourToJson } from "./behaviour.js";
import { readJsonBody } from "./http-body.js";
import type { BankSimMetrics } from "./metrics.js";
import { outcomes } from "./outcome.js";
import { anyReference, type PayoutBook } from "./payout-book.js";
import { recordToJson, type Decision } from "./payout-record.js";
import { idRule, isValidId, parsePayoutRequest } from "./payout-request.js";
import { errorReply, json, type Reply } from "./reply.js";

export interface RoutesDeps {
  readonly book: PayoutBook;
  readonly metrics: BankSimMetrics;
  readonly registry: Registry;
  readonly logger: Logger;
  readonly hangMs: number;
  readonly bodyBytesMax: number;
}

export interface Route {
  /** A low-cardinality name for metrics, such as "POST /payouts". */
  readonly name: string;
  handle(req: IncomingMessage, path: string): Promise<Reply>;
}

const payoutPathPrefix = "/payouts/";

/** Finds the route for a request; the returned route answers 404 or 405 itself when none fits. */
export function createRouter(deps: RoutesDeps): (method: string, path: string) => Route {
  const { book, metrics, logger } = deps;

  const postPayout: Route = {
    name: "POST /payouts",
    async handle(req) {
      const body = await readJsonBody(req, deps.bodyBytesMax);
      if (!body.ok) {
        metrics.payoutRequests.inc({ result: "invalid" });
        return errorReply(body.status, body.code, body.message);
      }
      const parsed = parsePayoutRequest(req.headers["idempotency-key"], body.value);
      if (!parsed.ok) {
        metrics.payoutRequests.inc({ result: "invalid" });
        return errorReply(400, "INVALID_ARGUMENT", "invalid payout request", parsed.problems);
      }
      const request = parsed.request;
      const admission = book.admit(request);
      switch (admission.kind) {
        case "replay":
          metrics.payoutRequests.inc({ result: "replayed" });
          return decisionReply(admission.decision);
        case "in_progress":
          metrics.payoutRequests.inc({ result: "in_progress" });
          return errorReply(
            409,
            "IN_PROGRESS",
            "a payout with this idempotency key is still being processed",
          );
        case "key_reused":
          metrics.payoutRequests.inc({ result: "key_reused" });
          return errorReply(
            400,
            "IDEMPOTENCY_KEY_REUSED",
            "this idempotency key was first used with another user_id or amount",
          );
        case "ledger_full":
          metrics.payoutRequests.inc({ result: "ledger_full" });
          logger.warn({ reference: request.reference }, "ledger full, payout refused");
          return errorReply(
            503,
            "LEDGER_FULL",
            "the simulated bank holds its maximum number of payouts",
          );
        case "process":
          break;
      }
      const { attempt } = admission;
      if (attempt.latencyMs > 0) await sleep(attempt.latencyMs);
      const settlement = attempt.finish();
      metrics.payoutRequests.inc({ result: settlement.outcome });
      logger.debug(
        {
          reference: request.reference,
          amount: request.amountMinor,
          outcome: settlement.outcome,
          latencyMs: attempt.latencyMs,
        },
        "payout processed",
      );
      switch (settlement.outcome) {
        case "paid":
          metrics.payments.inc();
          return decisionReply(settlement.decision);
        case "lost_response":
          metrics.payments.inc();
          return { kind: "destroy" };
        case "rejected":
          return decisionReply(settlement.decision);
        case "error":
          return errorReply(
            settlement.httpStatus,
            "SIMULATED_FAILURE",
            "simulated transient failure; nothing was paid",
          );
        case "hang":
          return { kind: "hold", ms: deps.hangMs };
        case "abandoned":
          return errorReply(
            503,
            "RESET",
            "the simulated bank was reset while this payout was processed; nothing was paid",
          );
      }
    },
  };

  const getPayout: Route = {
    name: "GET /payouts/:reference",
    async handle(_req, path) {
      const reference = safeDecode(path.slice(payoutPathPrefix.length));
      if (reference === undefined || !isValidId(reference)) {
        return errorReply(400, "INVALID_ARGUMENT", `reference: ${idRule}`);
      }
      const lookup = book.lookup(reference);
      switch (lookup.kind) {
        case "decided":
          return decisionReply(lookup.decision);
        case "in_progress":
          return errorReply(409, "IN_PROGRESS", "this payout is still being processed");
        case "unknown":
          return errorReply(404, "NOT_FOUND", "the bank has no payout with this reference");
      }
    },
  };

  const getLedger: Route = {
    name: "GET /admin/payouts",
    async handle() {
      const totals = book.totals();
      return json(200, {
        payouts: book.records().map(recordToJson),
        totals: {
          references: totals.references,
          paid: totals.paid,
          rejected: totals.rejected,
          undecided: totals.undecided,
          paid_amount: totals.paidAmountMinor.toString(),
          pay_count: totals.payCount,
          requests: totals.requests,
        },
      });
    },
  };

  const getBehaviour: Route = {
    name: "GET /admin/behaviour",
    async handle() {
      return json(200, behaviourToJson(book.behaviour()));
    },
  };

  const putBehaviour: Route = {
    name: "PUT /admin/behaviour",
    async handle(req) {
      const body = await readJsonBody(req, deps.bodyBytesMax);
      if (!body.ok) return errorReply(body.status, body.code, body.message);
      const result = applyBehaviourPatch(book.behaviour(), body.value);
      if (!result.ok)
        return errorReply(400, "INVALID_ARGUMENT", "invalid behaviour", result.problems);
      book.setBehaviour(result.behaviour);
      logger.info({ behaviour: behaviourToJson(result.behaviour) }, "behaviour changed");
      return json(200, behaviourToJson(result.behaviour));
    },
  };

  const postScript: Route = {
    name: "POST /admin/script",
    async handle(req) {
      const body = await readJsonBody(req, deps.bodyBytesMax);
      if (!body.ok) return errorReply(body.status, body.code, body.message);
      const parsed = scriptSchema.safeParse(body.value);
      if (!parsed.success) {
        return errorReply(
          400,
          "INVALID_ARGUMENT",
          "invalid script",
          parsed.error.issues.map(
            (issue) => `${issue.path.join(".") || "(body)"}: ${issue.message}`,
          ),
        );
      }
      try {
        book.setScript(parsed.data.reference, parsed.data.outcomes);
      } catch (err) {
        if (err instanceof RangeError) return errorReply(400, "INVALID_ARGUMENT", err.message);
        throw err;
      }
      logger.info(
        { reference: parsed.data.reference, outcomes: parsed.data.outcomes },
        "script set",
      );
      return json(200, { scripts: book.scripts() });
    },
  };

  const getScript: Route = {
    name: "GET /admin/script",
    async handle() {
      return json(200, { scripts: book.scripts() });
    },
  };

  const postReset: Route = {
    name: "POST /admin/reset",
    async handle() {
      book.reset();
      logger.info("reset");
      return json(200, { status: "reset" });
    },
  };

  const getHealth: Route = {
    name: "GET /health",
    async handle() {
      return json(200, { status: "ok" });
    },
  };

  const getMetrics: Route = {
    name: "GET /metrics",
    async handle() {
      return {
        kind: "text",
        status: 200,
        body: await deps.registry.metrics(),
        contentType: deps.registry.contentType,
      };
    },
  };

  const table: Record<string, Partial<Record<string, Route>>> = {
    "/payouts": { POST: postPayout },
    "/admin/payouts": { GET: getLedger },
    "/admin/behaviour": { GET: getBehaviour, PUT: putBehaviour },
    "/admin/script": { GET: getScript, POST: postScript },
    "/admin/reset": { POST: postReset },
    "/health": { GET: getHealth },
    "/metrics": { GET: getMetrics },
  };

  return (method, path) => {
    const byMethod = path.startsWith(payoutPathPrefix) ? { GET: getPayout } : table[path];
    if (byMethod === undefined) return notFound;
    return byMethod[method] ?? methodNotAllowed(Object.keys(byMethod));
  };
}

const scriptSchema = z.strictObject({
  reference: z.string().refine((value) => value === anyReference || isValidId(value), {
    error: `must be "${anyReference}" or ${idRule}`,
  }),
  outcomes: z.array(z.enum(outcomes)),
});

function decisionReply(decision: Decision): Reply {
  return decision.status === "paid"
    ? json(200, { status: "paid", bank_reference: decision.bankReference })
    : json(422, { status: "rejected", reason: decision.reason });
}

function safeDecode(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}

const notFound: Route = {
  name: "other",
  async handle() {
    return errorReply(404, "NOT_FOUND", "no such route");
  },
};

function methodNotAllowed(allowed: string[]): Route {
  return {
    name: "other",
    async handle() {
      return json(
        405,
        { error: { code: "METHOD_NOT_ALLOWED", message: `allowed: ${allowed.join(", ")}` } },
        { allow: allowed.join(", ") },
      );
    },
  };
}
