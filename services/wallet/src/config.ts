/** The wallet's configuration: every variable, its default and its bounds. */
import { boolVar, intVar, logLevelVar, portVar, urlVar, z } from "@wallet/config";

export const walletConfigSchema = z.object({
  LOG_LEVEL: logLevelVar,
  WALLET_GRPC_HOST: z.string().min(1).default("0.0.0.0"),
  WALLET_GRPC_PORT: portVar(50051),
  /**
   * Largest gRPC message accepted; wallet requests are a few hundred bytes. It also bounds what a
   * client can make grpc-js hold for a message it sends in tiny DATA frames, per stream.
   */
  WALLET_GRPC_MAX_RECEIVE_BYTES: intVar(4 * 1024, 1024, 4 * 1024 * 1024),
  /** SETTINGS_MAX_CONCURRENT_STREAMS: calls one connection may have open at once (grpc.max_concurrent_streams). */
  WALLET_GRPC_CONCURRENT_STREAMS_MAX: intVar(100, 1, 10_000),
  /** nghttp2's memory per connection, in MiB (grpc-node.max_session_memory); past it new streams are refused. */
  WALLET_GRPC_SESSION_MEMORY_MB: intVar(10, 1, 1_024),
  /** Connections the process holds at once (the listening socket's maxConnections); more are closed on arrival. */
  WALLET_GRPC_CONNECTIONS_MAX: intVar(256, 1, 100_000),
  /** A connection with no call open this long is closed (grpc.max_connection_idle_ms); also one that never sends a preface. */
  WALLET_GRPC_CONNECTION_IDLE_MS: intVar(300_000, 1_000, 86_400_000),
  /** Every connection is asked to go away after this long (grpc.max_connection_age_ms), then cut after the grace. */
  WALLET_GRPC_CONNECTION_AGE_MS: intVar(3_600_000, 1_000, 604_800_000),
  WALLET_GRPC_CONNECTION_AGE_GRACE_MS: intVar(30_000, 0, 3_600_000),
  /** The server pings a connection this often, and drops it when no answer comes within the timeout. */
  WALLET_GRPC_KEEPALIVE_TIME_MS: intVar(60_000, 1_000, 86_400_000),
  WALLET_GRPC_KEEPALIVE_TIMEOUT_MS: intVar(20_000, 1_000, 600_000),
  DATABASE_URL: urlVar("postgres://postgres@127.0.0.1:5432/wallet", ["postgres", "postgresql"]),
  DB_POOL_MAX: intVar(20, 1, 500),
  DB_STATEMENT_TIMEOUT_MS: intVar(5_000, 100, 600_000),
  /** Also bounds the wait for a free pool connection under load. */
  DB_CONNECT_TIMEOUT_MS: intVar(5_000, 100, 60_000),
  DB_IDLE_TIMEOUT_MS: intVar(30_000, 1_000, 3_600_000),
  /** Apply migrations before serving (the `migrate` command does the same on its own). */
  MIGRATE_ON_START: boolVar(true),
  /** Unsettled withdrawals allowed system-wide; past it Withdraw answers RESOURCE_EXHAUSTED. */
  WITHDRAWAL_BACKLOG_MAX: intVar(10_000, 1, 10_000_000),
  /** How old the backlog count may get before a write batch counts again; in between an instance adds what it accepts. */
  WITHDRAWAL_BACKLOG_REFRESH_MS: intVar(250, 10, 60_000),
  /** Many writes per commit (see db/write-batcher.ts); off means one statement per request. */
  WRITE_BATCHING_ENABLED: boolVar(true),
  /**
   * Write batches in flight at once, each on its own pooled connection; keep below DB_POOL_MAX. One
   * lane makes the largest batches, so the fewest round trips and commits per request, which is
   * fastest on two cores (docs/decisions/2026-11-27-wallet-write-batches.md); more lanes suit more
   * cores.
   */
  WRITE_LANES: intVar(1, 1, 64),
  WRITE_BATCH_MAX: intVar(256, 1, 10_000),
  /** Writes waiting for a batch; past it Charge/Withdraw answer UNAVAILABLE (overloaded). */
  WRITE_QUEUE_MAX: intVar(20_000, 1, 1_000_000),
  WRITE_BATCH_RETRIES_MAX: intVar(3, 0, 100),
  /** GetBalance reads answered by one statement (distinct users); the next batch gathers while one runs. */
  READ_BATCH_MAX: intVar(256, 1, 10_000),
  /** GetBalance reads waiting; past it GetBalance answers UNAVAILABLE (overloaded). */
  READ_QUEUE_MAX: intVar(20_000, 1, 1_000_000),
  /** A release_at further ahead than this is refused as absurd. */
  RELEASE_HORIZON_DAYS: intVar(3_650, 1, 36_500),
  /** Prometheus /metrics and HTTP /health. */
  WALLET_OPS_HOST: z.string().min(1).default("0.0.0.0"),
  WALLET_OPS_PORT: portVar(9464),
  NATS_URL: urlVar("nats://127.0.0.1:4222", ["nats", "tls"]),
  /** Names streams, subjects and consumers; lets environments and test runs share a server. */
  NATS_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,64}$/, { error: "must be 1-64 letters, digits, _ or -" })
    .default("wallet"),
  NATS_REQUEST_TIMEOUT_MS: intVar(5_000, 100, 60_000),
  /** JetStream drops a republished message with the same Nats-Msg-Id within this window. */
  NATS_DUPLICATE_WINDOW_MS: intVar(600_000, 1_000, 86_400_000),
  NATS_STREAM_MAX_MESSAGES: intVar(1_000_000, 1_000, 100_000_000),
  /** Turn the relay off only to keep withdrawals pending on purpose (tests of the wallet alone). */
  OUTBOX_RELAY_ENABLED: boolVar(true),
  OUTBOX_BATCH_MAX: intVar(200, 1, 10_000),
  OUTBOX_SWEEP_INTERVAL_MS: intVar(1_000, 50, 600_000),
  /** The sweep leaves rows younger than this to the fast path of the wallet that committed them. */
  OUTBOX_SWEEP_MIN_AGE_MS: intVar(1_000, 0, 600_000),
  OUTBOX_PUBLISH_TIMEOUT_MS: intVar(2_000, 100, 60_000),
  /** Settlement results applied per statement; an instance holds at most three times this many unacked. */
  RESULTS_BATCH_MAX: intVar(128, 1, 1_000),
  RESULTS_ACK_WAIT_MS: intVar(30_000, 1_000, 3_600_000),
  RESULTS_MAX_DELIVER: intVar(1_000, 1, 1_000_000),
  RESULTS_MAX_ACK_PENDING: intVar(1_000, 1, 1_000_000),
  RESULTS_RETRY_DELAY_MS: intVar(1_000, 10, 600_000),
  HEALTH_CHECK_INTERVAL_MS: intVar(1_000, 100, 60_000),
  HEALTH_CHECK_TIMEOUT_MS: intVar(1_000, 50, 60_000),
  /** How long shutdown waits for in-flight work before cutting it. */
  SHUTDOWN_GRACE_MS: intVar(10_000, 0, 120_000),
});

export type WalletConfig = Readonly<z.infer<typeof walletConfigSchema>>;
