// Starts the whole system for development: bank-sim, wallet (which applies migrations and
// creates its database), settlement and the REST gateway, against the local PostgreSQL and NATS.
// Output is prefixed per service; Ctrl-C (SIGINT) or SIGTERM stops every service gracefully.
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { resolve, dirname } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
// Ports can be moved with the services' own variables; the links between services follow them.
const port = (name, fallback) => process.env[name] ?? fallback;
const ports = {
  bank: port("BANK_SIM_PORT", "8090"),
  walletGrpc: port("WALLET_GRPC_PORT", "50051"),
  walletOps: port("WALLET_OPS_PORT", "9464"),
  settlementOps: port("SETTLEMENT_OPS_PORT", "9465"),
  gateway: port("GATEWAY_PORT", "8080"),
};
// The runtime package is built by `npm run setup`, which `npm start` runs first.
const { serviceProcessEnv } = await import(pathToFileURL(resolve(root, "packages/runtime/dist/process-env.js")).href);
const env = (defaults) => ({ ...serviceProcessEnv, ...defaults, ...process.env });

const healthUrl = (httpPort) => `http://127.0.0.1:${httpPort}/health`;
// A service is up once its /health answers at all (200, or 503 while a dependency is down). Each
// opens that port last in its start-up, after migrations, the gRPC port and its consumers; asking
// it rather than reading a log line keeps the start independent of LOG_LEVEL.
const services = [
  { name: "bank-sim", entry: "services/bank-sim/dist/main.js", health: healthUrl(ports.bank), env: env({ BANK_SIM_PORT: ports.bank }) },
  {
    name: "wallet",
    entry: "services/wallet/dist/main.js",
    health: healthUrl(ports.walletOps),
    env: env({ WALLET_GRPC_PORT: ports.walletGrpc, WALLET_OPS_PORT: ports.walletOps }),
  },
  {
    name: "settlement",
    entry: "services/settlement/dist/main.js",
    health: healthUrl(ports.settlementOps),
    env: env({ SETTLEMENT_OPS_PORT: ports.settlementOps, BANK_URL: `http://127.0.0.1:${ports.bank}` }),
  },
  {
    name: "gateway",
    entry: "services/gateway/dist/main.js",
    health: healthUrl(ports.gateway),
    env: env({ GATEWAY_PORT: ports.gateway, WALLET_GRPC_URL: `127.0.0.1:${ports.walletGrpc}` }),
  },
];
/** How long a service may take to open its /health port, and how often it is asked. */
const upTimeoutMs = 60_000;
const pollIntervalMs = 100;

const children = [];
let stopping = false;
const width = Math.max(...services.map((s) => s.name.length));

/** Starts a service and resolves once its /health answers; rejects if it exits or times out first. */
async function start(service) {
  const child = spawn(process.execPath, [resolve(root, service.entry)], { env: service.env, stdio: ["ignore", "pipe", "pipe"] });
  children.push({ service, child });
  const prefix = `${service.name.padEnd(width)} |`;
  let ready = false;
  let exited = false;
  createInterface({ input: child.stdout }).on("line", (line) => process.stdout.write(`${prefix} ${line}\n`));
  createInterface({ input: child.stderr }).on("line", (line) => process.stderr.write(`${prefix} ${line}\n`));
  child.on("exit", (code, signal) => {
    exited = true;
    process.stdout.write(`${prefix} exited (${signal ?? code})\n`);
    if (ready && !stopping) stopAll(1);
  });
  const deadline = Date.now() + upTimeoutMs;
  for (;;) {
    if (exited) throw new Error(`${service.name} exited before it was up`);
    const answered = await fetch(service.health, { signal: AbortSignal.timeout(1_000) }).then(() => true, () => false);
    if (answered) break;
    if (Date.now() > deadline) throw new Error(`${service.name} did not answer ${service.health} within ${upTimeoutMs / 1000} s`);
    await new Promise((resolveWait) => setTimeout(resolveWait, pollIntervalMs));
  }
  ready = true;
  process.stdout.write(`${prefix} up\n`);
}

function stopAll(exitCode) {
  if (stopping) return;
  stopping = true;
  // Reverse order: the gateway stops taking requests first, bank-sim last.
  const running = children.filter(({ child }) => child.exitCode === null && child.signalCode === null).reverse();
  let left = running.length;
  if (left === 0) process.exit(exitCode);
  for (const { child } of running) {
    child.once("exit", () => {
      left -= 1;
      if (left === 0) process.exit(exitCode);
    });
    child.kill("SIGTERM");
  }
  setTimeout(() => {
    for (const { child } of running) child.kill("SIGKILL");
    process.exit(1);
  }, 20_000).unref();
}

process.on("SIGINT", () => stopAll(0));
process.on("SIGTERM", () => stopAll(0));

/** Waits until every service's /health answers 200 (dependencies connected), at most 30 s. */
async function waitUntilHealthy() {
  const deadline = Date.now() + 30_000;
  for (const url of services.map((service) => service.health)) {
    for (;;) {
      const ok = await fetch(url, { signal: AbortSignal.timeout(1_000) }).then((res) => res.ok, () => false);
      if (ok) break;
      if (Date.now() > deadline) throw new Error(`${url} is not healthy after 30 s`);
      await new Promise((resolveWait) => setTimeout(resolveWait, pollIntervalMs));
    }
  }
}

try {
  await Promise.all([start(services[0]), start(services[1])]);
  await Promise.all([start(services[2]), start(services[3])]);
  // Listening is not serving: the wallet reports NOT_SERVING until PostgreSQL and NATS answer.
  await waitUntilHealthy();
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
