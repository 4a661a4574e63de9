/**
 * The gateway's HTTP server as a value, not yet listening: routes, validation, the one error
 * handler, request ids, metrics and OpenAPI. app.ts starts it; tests can `inject` into it.
 */
import swagger from "@fastify/swagger";
import swaggerUi from "@fastify/swagger-ui";
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from "fastify";
import type { Logger } from "@wallet/logger";
import type { Registry } from "@wallet/metrics";
import { requestIdKey, requestIdOrNew, type WalletClient } from "@wallet/proto";
import { createHttpMetrics, unmatchedRoute } from "./http-metrics.js";
import { parseJsonBody } from "./json-body.js";
import { refuseOversizedBodies } from "./oversized-body.js";
import { registerOpsRoutes } from "./routes/ops-routes.js";
import { registerReadRoutes } from "./routes/read-routes.js";
import { registerWriteRoutes } from "./routes/write-routes.js";
import { sharedSchemas } from "./schemas.js";
import { toApiError } from "./to-api-error.js";
import { createValidatorCompiler } from "./validation.js";
import type { WalletHealthCheck } from "./wallet-health.js";

export interface GatewayServerDeps {
  wallet: WalletClient;
  walletHealth: WalletHealthCheck;
  registry: Registry;
  logger: Logger;
  limits: {
    bodyLimitBytes: number;
    /** How much of an oversized body, and for how long, is read before its 413 (oversized-body.ts). */
    bodyDiscardMaxBytes: number;
    bodyDiscardTimeoutMs: number;
    pageMax: number;
    keepAliveTimeoutMs: number;
  };
}

const apiDescription = [
  "The wallet's original HTTP API. JSON fields are snake_case.",
  "",
  "Money is an integer count of minor units (cents). In requests, `user_id` and `amount` may be JSON integers up to",
  "2^53−1 (9007199254740991) or decimal strings up to 2^63−1 (9223372036854775807); a JSON number above 2^53−1 is",
  "refused with 400, never rounded. In responses, every id and amount is a decimal string, and every optional",
  "transaction field is present with null when empty.",
  "",
  'Errors are `{"error": {"code": "...", "message": "..."}}` with a stable code; a 409 also carries the original',
  "`transaction`. Every response has an `X-Request-Id` header (the caller's, when it sent a sane one).",
].join("\n");

export async function createGatewayServer(deps: GatewayServerDeps): Promise<FastifyInstance> {
  const app = Fastify({
    // Typed as Fastify's base logger so the instance keeps Fastify's default generics.
    loggerInstance: deps.logger as FastifyBaseLogger, // eslint-disable-line @typescript-eslint/no-unnecessary-type-assertion -- it sets the instance's generics
    // One "request finished" line per request (onResponse below) instead of Fastify's two.
    logController: new LogController({
      disableRequestLogging: true,
      requestIdLogLabel: "requestId",
    }),
    // A caller's usable X-Request-Id is kept, anything else replaced by a fresh one; the id is
    // echoed in the response, sent to the wallet as metadata and put on every log line about the
    // request, so one id follows a request through both services.
    genReqId: (request) => requestIdOrNew(request.headers[requestIdKey]),
    requestIdHeader: false,
    bodyLimit: deps.limits.bodyLimitBytes,
    keepAliveTimeout: deps.limits.keepAliveTimeoutMs,
    return503OnClosing: true,
  });

  app.setValidatorCompiler(createValidatorCompiler());
  // JSON is the only body type: text/plain and form bodies get 415 instead of a parser's guess.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser("application/json", { parseAs: "string" }, (_request, body, done) => {
    try {
      done(null, parseJsonBody(body as string));
    } catch (err) {
      done(err as Error, undefined);
    }
  });
  for (const schema of sharedSchemas) app.addSchema(schema);

  await app.register(swagger, {
    openapi: {
      openapi: "3.1.0",
      info: { title: "Wallet REST gateway", version: "1.0.0", description: apiDescription },
      tags: [
        { name: "wallet", description: "Charges, withdrawals, balances and history." },
        { name: "ops", description: "Health." },
      ],
    },
    refResolver: {
      buildLocalReference: (json, _baseUri, _fragment, i) =>
        typeof json.$id === "string" ? json.$id : `def-${i}`,
    },
  });
  await app.register(swaggerUi, { routePrefix: "/docs" });

  const metrics = createHttpMetrics(deps.registry);
  app.addHook("onRequest", async (request, reply) => {
    reply.header(requestIdKey, request.id);
  });
  refuseOversizedBodies(app, {
    bodyLimitBytes: deps.limits.bodyLimitBytes,
    discardMaxBytes: deps.limits.bodyDiscardMaxBytes,
    discardTimeoutMs: deps.limits.bodyDiscardTimeoutMs,
  });
  app.addHook("onResponse", async (request, reply) => {
    const route = request.routeOptions.url ?? unmatchedRoute;
    metrics.observe(request.method, route, reply.statusCode, reply.elapsedTime / 1000);
    request.log.info(
      {
        method: request.method,
        route,
        statusCode: reply.statusCode,
        durationMs: Math.round(reply.elapsedTime * 10) / 10,
      },
      "request finished",
    );
  });

  app.setErrorHandler((err, request, reply) => {
    const apiError = toApiError(err, deps.limits);
    if (apiError.httpStatus >= 500) {
      const log =
        apiError.code === "INTERNAL"
          ? request.log.error.bind(request.log)
          : request.log.warn.bind(request.log);
      log({ err: apiError.cause ?? err, code: apiError.code }, "request failed");
    } else {
      request.log.info({ code: apiError.code, reason: apiError.message }, "request refused");
    }
    return reply.code(apiError.httpStatus).send(apiError.toBody());
  });
  app.setNotFoundHandler((request, reply) =>
    reply.code(404).send({
      error: {
        code: "NOT_FOUND",
        message: `no route for ${request.method} ${request.url.split("?")[0]}`,
      },
    }),
  );

  registerWriteRoutes(app, deps.wallet);
  registerReadRoutes(app, deps.wallet, { pageMax: deps.limits.pageMax });
  registerOpsRoutes(app, { walletHealth: deps.walletHealth, registry: deps.registry });
  return app;
}
