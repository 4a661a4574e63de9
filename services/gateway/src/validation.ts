/**
 * Request validation. Bodies are validated with no type coercion, so `"amount": true` or
 * `"user_id": [1]` is a 400 rather than a quiet 1; query strings, params and headers are text and
 * are coerced to the declared scalar types, but a repeated key (an array) never becomes a scalar.
 * Unknown fields are refused, not stripped.
 */
import Ajv, { type ErrorObject } from "ajv";
import type { FastifySchemaCompiler } from "fastify";
import { invalidRequest, type ApiError } from "./api-error.js";
import { int64Max, positiveInt64Description } from "./amount.js";
import { idempotencyKeyMaxLength } from "./schemas.js";

export function createValidatorCompiler(): FastifySchemaCompiler<unknown> {
  const common = {
    allErrors: false,
    removeAdditional: false,
    useDefaults: true,
    allowUnionTypes: true,
    // Formats are documentation here: release_at is parsed and checked exactly in timestamp-json.ts.
    formats: { "date-time": true, uuid: true },
  } as const;
  const body = new Ajv({ ...common, coerceTypes: false });
  const text = new Ajv({ ...common, coerceTypes: true });
  return ({ schema, httpPart }) => (httpPart === "body" ? body : text).compile(schema as object);
}

/** The rule of each field, said once so every refusal of it reads the same. */
const fieldRules: Record<string, string> = {
  "body.amount": `must be ${positiveInt64Description}`,
  "body.user_id": `must be ${positiveInt64Description}`,
  "body.idempotency_key": `must be a string of 1 to ${idempotencyKeyMaxLength} characters`,
  "body.release_at": "must be an RFC 3339 date-time string such as 2024-01-20T10:00:00Z, or null",
  "query.user_id": `must be a decimal integer from 1 to ${int64Max}`,
  "params.id": "must be a UUID",
  "headers.idempotency-key": `must be at most ${idempotencyKeyMaxLength} characters`,
};

/** One readable message for the first schema violation, naming the field. */
export function validationError(
  context: string | undefined,
  errors: readonly ErrorObject[],
): ApiError {
  const where = context === "querystring" ? "query" : (context ?? "request");
  const first = errors[0];
  if (first === undefined) return invalidRequest(where, "is invalid");
  if (first.keyword === "additionalProperties") {
    return invalidRequest(String(first.params.additionalProperty), "is not a known field");
  }
  if (first.keyword === "required")
    return invalidRequest(String(first.params.missingProperty), "is required");
  const field = first.instancePath.replace(/^\//, "").replace(/\//g, ".");
  if (field === "")
    return invalidRequest(
      where,
      first.keyword === "type" ? "must be a JSON object" : (first.message ?? "is invalid"),
    );
  const name = field.split(".")[0] ?? field;
  return invalidRequest(field, fieldRules[`${where}.${name}`] ?? first.message ?? "is invalid");
}
