/**
 * Everything thrown while handling a request becomes an ApiError here, in one place: our own
 * refusals pass through, wallet gRPC errors go through the one status switch, Fastify's request
 * errors (schema, size, media type) become 4xx, and anything else is a generic 500.
 */
import type { FastifyError } from "fastify";
import { ApiError, internalError, payloadTooLarge } from "./api-error.js";
import { apiErrorFromGrpc, isGrpcError } from "./grpc-http-status.js";
import { validationError } from "./validation.js";

export function toApiError(err: unknown, limits: { bodyLimitBytes: number }): ApiError {
  if (err instanceof ApiError) return err;
  if (isGrpcError(err)) return apiErrorFromGrpc(err);
  if (!(err instanceof Error)) return internalError(err);
  const fastifyError = err as Partial<FastifyError>;
  if (fastifyError.validation)
    return validationError(fastifyError.validationContext, fastifyError.validation);
  switch (fastifyError.code) {
    case "FST_ERR_CTP_BODY_TOO_LARGE":
      return payloadTooLarge(limits.bodyLimitBytes, err);
    case "FST_ERR_CTP_INVALID_MEDIA_TYPE":
      return new ApiError(
        415,
        "UNSUPPORTED_MEDIA_TYPE",
        "body: must be application/json",
        undefined,
        { cause: err },
      );
    case "FST_ERR_CTP_EMPTY_JSON_BODY":
      return new ApiError(400, "INVALID_ARGUMENT", "body: a JSON object is required", undefined, {
        cause: err,
      });
    case "FST_ERR_CTP_INVALID_JSON_BODY":
      return new ApiError(400, "INVALID_ARGUMENT", "body: is not valid JSON", undefined, {
        cause: err,
      });
    default:
      break;
  }
  // Other request-level errors Fastify raises itself (a bad Content-Length, a malformed URL, an
  // aborted upload) are the client's; they keep their status.
  const statusCode = fastifyError.statusCode;
  if (
    fastifyError.code?.startsWith("FST_") &&
    statusCode !== undefined &&
    statusCode >= 400 &&
    statusCode < 500
  ) {
    return new ApiError(statusCode, "INVALID_ARGUMENT", err.message, undefined, { cause: err });
  }
  return internalError(err);
}
