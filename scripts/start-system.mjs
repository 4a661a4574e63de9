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

const services = [
  { name: "bank-sim", entry: "services/bank-sim/dist/main.js", ready: "bank-sim listening", env: env({ BANK_SIM_PORT: ports.bank }) },
  {
    name: "wallet",
    entry: "services/wallet/dist/main.js",
    ready: "wallet listening",
    env: env({ WALLET_GRPC_PORT: ports.walletGrpc, WALLET_OPS_PORT: ports.walletOps }),
  },
  {
    name: "settlement",
    entry: "services/settlement/dist/main.js",
    ready: "settlement ready",
    env: env({ SETTLEMENT_OPS_PORT: ports.settlementOps, BANK_URL: `http://127.0.0.1:${ports.bank}` }),
  },
  {
    name: "gateway",
    entry: "services/gateway/dist/main.js",
    ready: "gateway listening",
    env: env({ GATEWAY_PORT: ports.gateway, WALLET_GRPC_URL: `127.0.0.1:${ports.walletGrpc}` }),
  },
];

const children = [];
let stopping = false;
const width = Math.max(...services.map((s) => s.name.length));

function start(service) {
  return new Promise((resolveReady, rejectReady) => {
    const child = spawn(process.execPath, [resolve(root, service.entry)], { env: service.env, stdio: ["ignore", "pipe", "pipe"] });
    children.push({ service, child });
    const prefix = `${service.name.padEnd(width)} |`;
    let ready = false;
    createInterface({ input: child.stdout }).on("line", (line) => {
      process.stdout.write(`${prefix} ${line}\n`);
      if (!ready && line.includes(`"msg":"${service.ready}"`)) {
        ready = true;
        resolveReady();
      }
    });
    createInterface({ input: child.stderr }).on("line", (line) => process.stderr.write(`${prefix} ${line}\n`));
    child.on("exit", (code, signal) => {
      process.stdout.write(`${prefix} exited (${signal ?? code})\n`);
      if (!ready) rejectReady(new Error(`${service.name} exited before it was ready`));
      else if (!stopping) stopAll(1);
    });
  });
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
  const urls = [ports.walletOps, ports.settlementOps, ports.gateway, ports.bank].map((p) => `http://127.0.0.1:${p}/health`);
  const deadline = Date.now() + 30_000;
  for (const url of urls) {
    for (;;) {
      const ok = await fetch(url, { signal: AbortSignal.timeout(1_000) }).then((res) => res.ok, () => false);
      if (ok) break;
      if (Date.now() > deadline) throw new Error(`${url} is not healthy after 30 s`);
      await new Promise((resolveWait) => setTimeout(resolveWait, 100));
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
