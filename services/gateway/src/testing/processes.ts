/**
 * Real processes for integration tests: a wallet (its own database and NATS names) and a gateway
 * in front of it, both the compiled entry points `pnpm turbo run build` produces.
 */
import {
  createTestDatabase,
  deleteStreams,
  freePort,
  serviceEntries,
  startService,
  uniqueName,
  type ServiceProcess,
  type TestDatabase,
} from "@wallet/test-kit";

const natsUrl = process.env.TEST_NATS_URL ?? "nats://127.0.0.1:4222";

export interface WalletProcess {
  readonly process: ServiceProcess;
  /** host:port of its gRPC server. */
  readonly address: string;
  readonly database: TestDatabase;
  /** Stops the process, drops its database and deletes its streams. Safe to call twice. */
  close(): Promise<void>;
}

export async function startWalletProcess(env: Record<string, string> = {}): Promise<WalletProcess> {
  const database = await createTestDatabase("gateway_test");
  const natsPrefix = uniqueName("gw");
  const port = await freePort();
  let child: ServiceProcess;
  try {
    child = await startService({
      name: "wallet",
      entry: serviceEntries.wallet,
      env: {
        DATABASE_URL: database.url,
        WALLET_GRPC_HOST: "127.0.0.1",
        WALLET_GRPC_PORT: String(port),
        WALLET_OPS_HOST: "127.0.0.1",
        WALLET_OPS_PORT: "0",
        NATS_URL: natsUrl,
        NATS_PREFIX: natsPrefix,
        HEALTH_CHECK_INTERVAL_MS: "200",
        ...env,
      },
      readyMessage: "wallet listening",
    });
  } catch (err) {
    await database.drop();
    throw err;
  }
  let closed = false;
  return {
    process: child,
    address: `127.0.0.1:${port}`,
    database,
    async close() {
      if (closed) return;
      closed = true;
      await child.stop();
      await database.drop();
      await deleteStreams(natsUrl, natsPrefix);
    },
  };
}

export interface GatewayProcess {
  readonly process: ServiceProcess;
  /** http://127.0.0.1:PORT */
  readonly url: string;
  close(): Promise<void>;
}

export async function startGatewayProcess(
  walletAddress: string,
  env: Record<string, string> = {},
): Promise<GatewayProcess> {
  const child = await startService({
    name: "gateway",
    entry: serviceEntries.gateway,
    env: { GATEWAY_HOST: "127.0.0.1", GATEWAY_PORT: "0", WALLET_GRPC_URL: walletAddress, ...env },
    readyMessage: "gateway listening",
  });
  const ready = child.logs.find((line) => line.msg === "gateway listening");
  const port = ready?.port;
  if (typeof port !== "number") throw new Error(`gateway logged no port: ${JSON.stringify(ready)}`);
  return {
    process: child,
    url: `http://127.0.0.1:${port}`,
    async close() {
      await child.stop();
    },
  };
}

export interface HttpAnswer {
  status: number;
  headers: Headers;
  /** The parsed JSON body, or the raw text when it is not JSON. */
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any -- tests read whatever JSON the gateway answered
}

/** One HTTP request; `body` objects are sent as JSON, strings as they are. */
export async function http(
  baseUrl: string,
  method: string,
  path: string,
  options: { body?: unknown; headers?: Record<string, string> } = {},
): Promise<HttpAnswer> {
  const headers: Record<string, string> = { ...options.headers };
  let body: string | undefined;
  if (typeof options.body === "string") body = options.body;
  else if (options.body !== undefined) {
    body = JSON.stringify(options.body);
    headers["content-type"] ??= "application/json";
  }
  const response = await fetch(`${baseUrl}${path}`, { method, headers, body });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // Not JSON: keep the text.
  }
  return { status: response.status, headers: response.headers, body: parsed };
}
