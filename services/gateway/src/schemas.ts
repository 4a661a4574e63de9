/**
 * JSON schemas of every route: they validate requests (with additionalProperties false, so an
 * unknown field is a 400), serialize responses, and are the source of /openapi.json.
 */
import { int64Max, jsonIntegerMax } from "./amount.js";
import { walletPageSizeMax } from "./offset-page.js";

const decimalInt64Pattern = "^[1-9][0-9]{0,18}$";
const uuidPattern = "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$";
export const idempotencyKeyMaxLength = 255;

/** A positive int64 in a request body: a JSON integer up to 2^53−1, or a decimal string up to 2^63−1. */
function positiveInt64Body(description: string) {
  return {
    description:
      `${description} A JSON integer up to ${jsonIntegerMax}, or a decimal string up to ${int64Max}. ` +
      "A JSON number above 2^53−1 is refused with 400, never rounded: send big values as strings.",
    oneOf: [
      { type: "integer", minimum: 1, maximum: jsonIntegerMax },
      { type: "string", pattern: decimalInt64Pattern },
    ],
  };
}

const int64String = (description: string) => ({
  type: "string",
  pattern: "^-?[0-9]{1,19}$",
  description: `${description} A decimal string (an int64 may exceed what a JSON number carries exactly).`,
});

const timestampOrNull = (description: string) => ({
  type: ["string", "null"],
  format: "date-time",
  description,
});
const stringOrNull = (description: string) => ({ type: ["string", "null"], description });

const idempotencyKeyBody = {
  type: "string",
  minLength: 1,
  maxLength: idempotencyKeyMaxLength,
  description:
    "Scoped to the user: the first request with a key takes effect, a later one gets 409 with the original " +
    "transaction. May be sent as the Idempotency-Key header instead; if both are sent they must be equal.",
};

const idempotencyKeyHeaders = {
  type: "object",
  properties: {
    "idempotency-key": {
      type: "string",
      maxLength: idempotencyKeyMaxLength,
      description: "Alternative to the body's idempotency_key.",
    },
    "x-request-id": {
      type: "string",
      description:
        "Echoed in the response and logged; generated when absent or not [A-Za-z0-9_.:-]{1,128}.",
    },
  },
};

/** Shared schemas, registered with addSchema and published as OpenAPI components. */
export const sharedSchemas = [
  {
    $id: "Transaction",
    type: "object",
    description:
      "A transaction. Ids and amounts are decimal strings; times are UTC RFC 3339 strings; optional " +
      "fields are always present and null when empty.",
    required: [
      "id",
      "user_id",
      "type",
      "amount",
      "status",
      "idempotency_key",
      "release_at",
      "created_at",
      "updated_at",
      "bank_reference",
      "failure_reason",
      "related_transaction_id",
    ],
    properties: {
      id: {
        type: "string",
        format: "uuid",
        description: "For a withdrawal, also the bank payout reference.",
      },
      user_id: int64String("The user."),
      type: { type: "string", enum: ["charge", "withdrawal", "refund"] },
      amount: int64String("Minor units (cents), > 0."),
      status: { type: "string", enum: ["pending", "completed", "failed"] },
      idempotency_key: stringOrNull(
        "The key the transaction was created with; null for refunds, which the system creates.",
      ),
      release_at: timestampOrNull(
        "Charges only: locked until this instant; null when available at once.",
      ),
      created_at: timestampOrNull("When the transaction was recorded."),
      updated_at: timestampOrNull("When its status last changed."),
      bank_reference: stringOrNull("Completed withdrawals: the bank's reference."),
      failure_reason: stringOrNull("Failed withdrawals: why the bank refused."),
      related_transaction_id: stringOrNull(
        "A refund: the withdrawal it refunds. A failed withdrawal: its refund.",
      ),
    },
  },
  {
    $id: "Balance",
    type: "object",
    description: "The balance split at one instant. Amounts are minor units as decimal strings.",
    required: ["user_id", "available", "locked", "pending", "total", "next_release_at", "as_of"],
    properties: {
      user_id: int64String("The user."),
      available: int64String("May be withdrawn now."),
      locked: int64String("Charged with a release_at still in the future."),
      pending: int64String("Held by withdrawals the bank has not settled yet."),
      total: int64String("available + locked + pending."),
      next_release_at: timestampOrNull(
        "The earliest future release_at among locked charges; null when nothing is locked.",
      ),
      as_of: timestampOrNull("The instant the split was computed at."),
    },
  },
  {
    $id: "Error",
    type: "object",
    required: ["error"],
    properties: {
      error: {
        type: "object",
        required: ["code", "message"],
        properties: {
          code: {
            type: "string",
            description:
              "Stable and machine-readable: INVALID_ARGUMENT, INSUFFICIENT_FUNDS, BALANCE_OVERFLOW, TRANSACTION_NOT_FOUND, " +
              "DUPLICATE_REQUEST, IDEMPOTENCY_KEY_REUSED, WITHDRAWAL_BACKLOG_FULL, DEPENDENCY_UNAVAILABLE, INTERNAL, " +
              "PAYLOAD_TOO_LARGE, UNSUPPORTED_MEDIA_TYPE, NOT_FOUND.",
          },
          message: { type: "string", description: "For humans; may change." },
          transaction: {
            $ref: "Transaction#",
            description: "On 409: the transaction the idempotency key first created.",
          },
        },
      },
    },
  },
] as const;

const transactionEnvelope = {
  type: "object",
  required: ["transaction"],
  properties: { transaction: { $ref: "Transaction#" } },
};

const errorResponse = (description: string) => ({ description, $ref: "Error#" });

const commonErrors = {
  400: errorResponse(
    "Invalid input (INVALID_ARGUMENT), including unknown fields and malformed JSON.",
  ),
  500: errorResponse("Unexpected error (INTERNAL); details only in the server log."),
  503: errorResponse(
    "The wallet is unavailable or overloaded (DEPENDENCY_UNAVAILABLE, WITHDRAWAL_BACKLOG_FULL).",
  ),
};

const writeErrors = {
  ...commonErrors,
  409: errorResponse(
    "The idempotency key was already used by this user (DUPLICATE_REQUEST, or IDEMPOTENCY_KEY_REUSED for a different request); the body carries the original transaction.",
  ),
  413: errorResponse("The body is larger than the limit (PAYLOAD_TOO_LARGE)."),
  415: errorResponse("The body is not application/json (UNSUPPORTED_MEDIA_TYPE)."),
};

export const chargeSchema = {
  summary: "Credit a user",
  description:
    "Credits a user. With a future release_at the amount is locked until exactly that instant; otherwise it is available at once.",
  tags: ["wallet"],
  headers: idempotencyKeyHeaders,
  body: {
    type: "object",
    additionalProperties: false,
    required: ["user_id", "amount"],
    properties: {
      user_id: positiveInt64Body("The user to credit."),
      amount: positiveInt64Body("Minor units (cents)."),
      idempotency_key: idempotencyKeyBody,
      release_at: timestampOrNull(
        "Optional RFC 3339 instant, e.g. 2024-01-20T10:00:00Z. Future: locked until then; absent, null or past: available at once.",
      ),
    },
  },
  response: { 201: { description: "Charged.", ...transactionEnvelope }, ...writeErrors },
};

export const withdrawSchema = {
  summary: "Withdraw to the bank",
  description:
    "Moves the amount from available to pending at once and returns the pending withdrawal (202); the bank settles it " +
    "later. Follow it with GET /transactions/{id}.",
  tags: ["wallet"],
  headers: idempotencyKeyHeaders,
  body: {
    type: "object",
    additionalProperties: false,
    required: ["user_id", "amount"],
    properties: {
      user_id: positiveInt64Body("The user to debit."),
      amount: positiveInt64Body("Minor units (cents)."),
      idempotency_key: idempotencyKeyBody,
    },
  },
  response: {
    202: { description: "Accepted: the pending withdrawal.", ...transactionEnvelope },
    ...writeErrors,
    400: errorResponse(
      "Invalid input (INVALID_ARGUMENT) or not enough available funds (INSUFFICIENT_FUNDS).",
    ),
  },
};

const userIdQuery = {
  type: "string",
  pattern: decimalInt64Pattern,
  description: `The user: a decimal integer from 1 to ${int64Max}.`,
};

export const balanceSchema = {
  summary: "A user's balance split",
  tags: ["wallet"],
  querystring: {
    type: "object",
    additionalProperties: false,
    required: ["user_id"],
    properties: { user_id: userIdQuery },
  },
  response: { 200: { description: "The balance.", $ref: "Balance#" }, ...commonErrors },
};

export function listTransactionsSchema(pageMax: number) {
  return {
    summary: "A user's transactions, newest first",
    description:
      `page and limit count from the newest transaction. Each request walks the wallet's keyset pages from the start, so page ` +
      `is bounded to ${pageMax}; a transaction written between two requests shifts later pages by one.`,
    tags: ["wallet"],
    querystring: {
      type: "object",
      additionalProperties: false,
      required: ["user_id"],
      properties: {
        user_id: userIdQuery,
        page: {
          type: "integer",
          minimum: 1,
          maximum: pageMax,
          default: 1,
          description: `1-based, at most ${pageMax}.`,
        },
        limit: {
          type: "integer",
          minimum: 1,
          maximum: walletPageSizeMax,
          default: 20,
          description: `Page size, 1 to ${walletPageSizeMax}.`,
        },
      },
    },
    response: {
      200: {
        description: "One page.",
        type: "object",
        required: ["transactions", "page", "limit", "has_more"],
        properties: {
          transactions: { type: "array", items: { $ref: "Transaction#" } },
          page: { type: "integer" },
          limit: { type: "integer" },
          has_more: {
            type: "boolean",
            description: "true when older transactions follow this page.",
          },
        },
      },
      ...commonErrors,
    },
  };
}

export const getTransactionSchema = {
  summary: "One transaction by id",
  description: "Lets a caller follow a withdrawal to its end.",
  tags: ["wallet"],
  params: {
    type: "object",
    additionalProperties: false,
    required: ["id"],
    properties: {
      id: { type: "string", pattern: uuidPattern, description: "The transaction's UUID." },
    },
  },
  response: {
    200: { description: "The transaction.", ...transactionEnvelope },
    ...commonErrors,
    404: errorResponse("No transaction has that id (TRANSACTION_NOT_FOUND)."),
  },
};

export const healthSchema = {
  summary: "Health of the gateway and its dependencies",
  tags: ["ops"],
  response: {
    ...Object.fromEntries(
      ([200, 503] as const).map((code) => [
        code,
        {
          description: code === 200 ? "Every dependency is reachable." : "A dependency is down.",
          type: "object",
          required: ["status", "dependencies"],
          properties: {
            status: { type: "string", enum: ["ok", "degraded"] },
            dependencies: {
              type: "object",
              required: ["wallet"],
              properties: {
                wallet: {
                  type: "boolean",
                  description: "The wallet's grpc.health.v1 check answered SERVING.",
                },
              },
            },
          },
        },
      ]),
    ),
  },
};
