/** The gateway's configuration: every variable, its default and its bounds. */
import { intVar, logLevelVar, portVar, z } from "@wallet/config";

/** host:port of a gRPC server, the form grpc-js takes (no scheme). */
const grpcAddressVar = (defaultValue: string) =>
  z
    .string()
    .default(defaultValue)
    .refine((value) => /^[A-Za-z0-9.-]+:\d{1,5}$|^\[[0-9A-Fa-f:.]+\]:\d{1,5}$/.test(value), {
      error: "must be host:port, for example 127.0.0.1:50051",
    });

export const gatewayConfigSchema = z.object({
  LOG_LEVEL: logLevelVar,
  GATEWAY_HOST: z.string().min(1).default("0.0.0.0"),
  /** 0 asks the OS for a free port (tests use that). */
  GATEWAY_PORT: portVar(8080),
  /** Largest request body accepted; larger ones get 413. Gateway bodies are a few hundred bytes. */
  GATEWAY_BODY_LIMIT_BYTES: intVar(16 * 1024, 256, 1024 * 1024),
  /**
   * An oversized body up to this size is read and dropped before its 413, so a client still
   * sending it gets the answer rather than a reset; a larger one is answered at once (0: never read).
   */
  GATEWAY_BODY_DISCARD_MAX_BYTES: intVar(4 * 1024 * 1024, 0, 64 * 1024 * 1024),
  /** How long that read may take before the 413 goes out anyway and the connection closes. */
  GATEWAY_BODY_DISCARD_TIMEOUT_MS: intVar(5_000, 0, 60_000),
  /**
   * Deepest `page` GET /transactions serves. Each page is reached by walking the wallet's keyset
   * pages from the start, so this bounds the work one request can cause.
   */
  GATEWAY_PAGE_MAX: intVar(1_000, 1, 100_000),
  /** How long an idle keep-alive connection stays open. */
  GATEWAY_KEEP_ALIVE_TIMEOUT_MS: intVar(5_000, 100, 600_000),
  WALLET_GRPC_URL: grpcAddressVar("127.0.0.1:50051"),
  /** Deadline of each call to the wallet; past it the caller gets 503. */
  WALLET_DEADLINE_MS: intVar(5_000, 1, 120_000),
  /** Deadline of the wallet's grpc.health.v1 check behind GET /health. */
  WALLET_HEALTH_TIMEOUT_MS: intVar(1_000, 1, 60_000),
  /** How long shutdown waits for in-flight requests before cutting them. */
  SHUTDOWN_GRACE_MS: intVar(10_000, 0, 120_000),
});

export type GatewayConfig = Readonly<z.infer<typeof gatewayConfigSchema>>;
