/** Settlement's configuration: every variable, its default and its bounds. */
import { intVar, logLevelVar, portVar, urlVar, z } from "@wallet/config";

export const settlementConfigSchema = z
  .object({
    LOG_LEVEL: logLevelVar,
    NATS_URL: urlVar("nats://127.0.0.1:4222", ["nats", "tls"]),
    /** Names this environment's streams and consumers; see @wallet/messages topology(). */
    NATS_PREFIX: z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,64}$/, { error: "must be 1-64 letters, digits, _ or -" })
      .default("wallet"),
    BANK_URL: urlVar("http://127.0.0.1:8090", ["http", "https"]),
    /** Bank calls in flight at most, per instance. */
    SETTLEMENT_WORKERS: intVar(50, 1, 1_000),
    /**
     * Messages held waiting for a free worker, so a worker that frees up starts its next call
     * without waiting for a pull round trip. Cut to SETTLEMENT_WORKERS if larger, which keeps a
     * buffered message's wait to about one bank call, far inside the ack wait.
     */
    SETTLEMENT_BUFFER_MAX: intVar(20, 0, 1_000),
    /** One bank call, connection to last byte; past it the outcome is unknown. */
    BANK_TIMEOUT_MS: intVar(5_000, 100, 120_000),
    /** Deliveries with an unknown bank outcome before a withdrawal is parked for an operator. */
    SETTLEMENT_MAX_ATTEMPTS: intVar(8, 1, 1_000),
    /** Backoff ceiling after the first unknown outcome; it doubles per attempt. */
    SETTLEMENT_BACKOFF_MS_BASE: intVar(1_000, 1, 3_600_000),
    SETTLEMENT_BACKOFF_MS_MAX: intVar(60_000, 1, 3_600_000),
    /** JetStream redelivers a message not acked (nor marked working) within this. */
    SETTLEMENT_ACK_WAIT_MS: intVar(30_000, 1_000, 3_600_000),
    /**
     * JetStream's own delivery limit. It must stay above SETTLEMENT_MAX_ATTEMPTS, so settlement
     * always parks a message itself before JetStream would drop it silently; the headroom absorbs
     * redeliveries caused by crashes or by results that could not be published.
     */
    SETTLEMENT_MAX_DELIVER: intVar(100, 2, 100_000),
    /** Unacked messages (in flight or waiting for a retry) across all instances. */
    SETTLEMENT_MAX_ACK_PENDING: intVar(10_000, 1, 1_000_000),
    /** How long one pull request waits for messages before the next is sent. */
    SETTLEMENT_PULL_EXPIRES_MS: intVar(5_000, 1_000, 60_000),
    SETTLEMENT_OPS_HOST: z.string().min(1).default("0.0.0.0"),
    /** /metrics and /health; 0 picks a free port. */
    SETTLEMENT_OPS_PORT: portVar(9465),
    HEALTH_CHECK_INTERVAL_MS: intVar(2_000, 100, 60_000),
    HEALTH_CHECK_TIMEOUT_MS: intVar(1_000, 50, 60_000),
    /** How long shutdown waits for in-flight bank calls before cutting them and handing their messages back. */
    SHUTDOWN_GRACE_MS: intVar(10_000, 0, 120_000),
  })
  .superRefine((config, ctx) => {
    if (config.SETTLEMENT_BACKOFF_MS_MAX < config.SETTLEMENT_BACKOFF_MS_BASE) {
      ctx.addIssue({
        code: "custom",
        path: ["SETTLEMENT_BACKOFF_MS_MAX"],
        message: "must be >= SETTLEMENT_BACKOFF_MS_BASE",
      });
    }
    if (config.SETTLEMENT_MAX_DELIVER <= config.SETTLEMENT_MAX_ATTEMPTS) {
      ctx.addIssue({
        code: "custom",
        path: ["SETTLEMENT_MAX_DELIVER"],
        message: "must be > SETTLEMENT_MAX_ATTEMPTS",
      });
    }
    // Workers mark their message working every third of the ack wait, so this is a margin rather
    // than a necessity: one lost working() must not cause a redelivery during an ordinary call.
    if (config.SETTLEMENT_ACK_WAIT_MS <= config.BANK_TIMEOUT_MS) {
      ctx.addIssue({
        code: "custom",
        path: ["SETTLEMENT_ACK_WAIT_MS"],
        message: "must be > BANK_TIMEOUT_MS",
      });
    }
  });

export type SettlementConfig = Readonly<z.infer<typeof settlementConfigSchema>>;
