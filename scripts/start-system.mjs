// Starts the whole system for development: bank-sim, wallet (which applies migrations and
// creates its database), settlement and the REST gateway, against the local PostgreSQL and NATS.
// Output is prefixed per service; Ctrl-C (SIGINT) or SIGTERM stops every service gracefully.
import { resolve, dirname } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
// Ports can be moved with the services' own variables; the links between services follow them.
const port = (name, fallback) => Number(process.env[name] ?? fallback);
const ports = {
  bank: port("BANK_SIM_PORT", "8090"),
  walletGrpc: port("WALLET_GRPC_PORT", "50051"),
  walletOps: port("WALLET_OPS_PORT", "9464"),
  settlementOps: port("SETTLEMENT_OPS_PORT", "9465"),
  gateway: port("GATEWAY_PORT", "8080"),
};
// The test kit (and the runtime it uses) is built by `npm run setup`, which `npm start` runs first.
const { createSystemLauncher } = await import(
  pathToFileURL(resolve(root, "packages/test-kit/dist/system-launcher.js")).href
);
// A variable already set in the environment wins over the launcher's wiring.
const inherited = Object.fromEntries(
  Object.entries(process.env).filter(([, value]) => value !== undefined),
);

const width = "settlement".length;
const prefix = (name) => `${name.padEnd(width)} |`;
/** How long a service may take to open its /health port, and all of them to answer 200 after. */
const upTimeoutMs = 60_000;
const healthyTimeoutMs = 30_000;
/** Stopping has a bound: whatever still runs after it is killed. */
const stopTimeoutMs = 20_000;

let stopping = false;
// A service is up once its /health answers at all (200, or 503 while a dependency is down). Each
// opens that port last in its start-up, after migrations, the gRPC port and its consumers; asking
// it rather than reading a log line keeps the start independent of LOG_LEVEL.
const system = await createSystemLauncher({
  gateway: true,
  ports: {
    bankSim: ports.bank,
    walletGrpc: [ports.walletGrpc],
    walletOps: [ports.walletOps],
    settlementOps: [ports.settlementOps],
    gateway: ports.gateway,
  },
  env: { bankSim: inherited, wallet: inherited, settlement: inherited, gateway: inherited },
  ready: "health",
  readyTimeoutMs: upTimeoutMs,
  stopGraceMs: stopTimeoutMs,
  keepLogs: "until-ready",
  onLine: (name, stream, line) =>
    (stream === "stdout" ? process.stdout : process.stderr).write(`${prefix(name)} ${line}\n`),
  onReady: (name) => process.stdout.write(`${prefix(name)} up\n`),
  onExit: (name, code, signal, ready) => {
    process.stdout.write(`${prefix(name)} exited (${signal ?? code})\n`);
    if (ready && !stopping) stopAll(1);
  },
});

function stopAll(exitCode) {
  if (stopping) return;
  stopping = true;
  setTimeout(() => {
    system.killAllNow();
    process.exit(1);
  }, stopTimeoutMs).unref();
  void system.stopAll().then(() => process.exit(exitCode));
}

process.on("SIGINT", () => stopAll(0));
process.on("SIGTERM", () => stopAll(0));

try {
  await system.startAll();
  // Listening is not serving: the wallet reports NOT_SERVING until PostgreSQL and NATS answer.
  await system.waitUntilHealthy(healthyTimeoutMs);
  process.stdout.write(
    [
      "",
      "wallet system is up:",
      `  wallet gRPC     127.0.0.1:${ports.walletGrpc}   (grpcurl -plaintext 127.0.0.1:${ports.walletGrpc} list)`,
      `  REST gateway    http://127.0.0.1:${ports.gateway}   (docs: http://127.0.0.1:${ports.gateway}/docs)`,
      `  bank-sim        http://127.0.0.1:${ports.bank}`,
      `  metrics         wallet :${ports.walletOps}/metrics, settlement :${ports.settlementOps}/metrics, gateway :${ports.gateway}/metrics, bank-sim :${ports.bank}/metrics`,
      "Ctrl-C stops everything.",
      "system ready",
      "",
    ].join("\n"),
  );
} catch (err) {
  process.stderr.write(`start failed: ${err.message}\n`);
  stopAll(1);
}
