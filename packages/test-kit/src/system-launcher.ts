/**
 * The one launcher of the whole system as real processes, used by `npm start`
 * (scripts/start-system.mjs), the end-to-end tests (startSystem), the bench and the fault suite.
 * It wires the services together (their ports, BANK_URL, WALLET_GRPC_URL), starts them in
 * dependency order, and kills, stops or restarts each one on the same ports with the same
 * environment. It creates no database and no streams: the caller says which to use.
 */
import { resolve } from "node:path";
import { freePort, healthStatus, spawnService, type ServiceProcess } from "./process.js";
import { sleep } from "./wait.js";

/** The repository root, from packages/test-kit/dist or src. */
export const repoRoot = resolve(__dirname, "../../..");

export const serviceEntries = {
  wallet: resolve(repoRoot, "services/wallet/dist/main.js"),
  settlement: resolve(repoRoot, "services/settlement/dist/main.js"),
  bankSim: resolve(repoRoot, "services/bank-sim/dist/main.js"),
  gateway: resolve(repoRoot, "services/gateway/dist/main.js"),
} as const;

export type ServiceKind = keyof typeof serviceEntries;

const kindNames: Record<ServiceKind, string> = {
  wallet: "wallet",
  settlement: "settlement",
  bankSim: "bank-sim",
  gateway: "gateway",
};
const readyMessages: Record<ServiceKind, string> = {
  wallet: "wallet listening",
  settlement: "settlement ready",
  bankSim: "bank-sim listening",
  gateway: "gateway listening",
};
/** Each service's callers stop before it: the gateway stops taking requests first, bank-sim last. */
const stopOrder: readonly ServiceKind[] = ["gateway", "settlement", "wallet", "bankSim"];
const healthyPollIntervalMs = 100;

export interface SystemPorts {
  bankSim?: number;
  gateway?: number;
  /** By wallet instance; an instance without one gets a free port. */
  walletGrpc?: readonly number[];
  walletOps?: readonly number[];
  /** By settlement instance; without one, 0: the service picks its own, so it has no known /health. */
  settlementOps?: readonly number[];
}

export interface SystemLaunchOptions {
  /** Wallet instances (default 1); wallet-0 applies the migrations, so it starts before the others. */
  wallets?: number;
  /** Settlement instances (default 1). */
  settlements?: number;
  /** Default true; without it, settlement's BANK_URL must come from `env`. */
  bankSim?: boolean;
  /** Default false: a gateway in front of wallet-0. */
  gateway?: boolean;
  /** The wallets' DATABASE_URL; unset, the service's default (or the caller's environment). */
  databaseUrl?: string;
  /** The wallets' and settlements' NATS_URL and NATS_PREFIX, likewise. */
  natsUrl?: string;
  natsPrefix?: string;
  /** Binds every service to 127.0.0.1 rather than its default 0.0.0.0. */
  loopback?: boolean;
  ports?: SystemPorts;
  /** By kind, over the wiring above; `restartWith` sets an instance's own over this. */
  env?: Partial<Record<ServiceKind, Record<string, string>>>;
  /** "log" (default): each service's ready log line; "health": its /health answering, whatever LOG_LEVEL. */
  ready?: "log" | "health";
  /** Default 30 s a start. */
  readyTimeoutMs?: number;
  /** How long a stop waits after SIGTERM before SIGKILL, default 10 s. */
  stopGraceMs?: number;
  keepLogs?: "always" | "until-ready";
  onLine?: (name: string, stream: "stdout" | "stderr", line: string) => void;
  onReady?: (name: string) => void;
  /** `ready`: whether the process had become ready before it exited. */
  onExit?: (
    name: string,
    code: number | null,
    signal: NodeJS.Signals | null,
    ready: boolean,
  ) => void;
}

export interface StoppedService {
  name: string;
  code: number | null;
}

/**
 * Services are named by kind ("wallet", "bank-sim"), with the instance's index when a kind has
 * more than one ("wallet-0", "wallet-1").
 */
export interface SystemLauncher {
  readonly bankUrl: string | undefined;
  readonly gatewayUrl: string | undefined;
  /** host:port of each wallet's gRPC server, by index. */
  readonly walletAddresses: readonly string[];
  readonly walletOpsPorts: readonly number[];
  /** The names of one kind's instances by index, or of every service in start order. */
  names(kind?: ServiceKind): string[];
  /** Adds another instance, with its own ports, not started yet. */
  addInstance(kind: "wallet" | "settlement"): Promise<string>;
  /** Starts every service; if one fails, this rejects and the caller stops the rest (`stopAll`). */
  startAll(): Promise<void>;
  /** Starts the service (again) with its ports and environment; the running one if it runs. */
  start(name: string): Promise<ServiceProcess>;
  /** The service's process that last became ready, running or not. */
  process(name: string): ServiceProcess | undefined;
  /** Its running process's id, undefined while it is down. */
  pid(name: string): number | undefined;
  alive(name: string): boolean;
  /** The last few KiB the service's latest process wrote to stderr, as one line. */
  stderrTail(name: string): string;
  /** SIGKILL: a crash with no chance to clean up. */
  kill(name: string): Promise<void>;
  /** SIGTERM and wait for the exit code, SIGKILL after `graceMs`. */
  stop(name: string, graceMs?: number): Promise<number | null | undefined>;
  /** Stops the service and starts it with `env` over its usual environment, for later restarts too. */
  restartWith(name: string, env: Record<string, string>): Promise<ServiceProcess>;
  /** Waits until every /health answers 200, dependencies connected. */
  waitUntilHealthy(timeoutMs: number): Promise<void>;
  /** Stops every service, callers before what they call; nothing starts afterwards. */
  stopAll(): Promise<StoppedService[]>;
  /** Synchronous last resort for an exiting process: SIGKILL to everything running. */
  killAllNow(): void;
}

interface Instance {
  readonly name: string;
  readonly kind: ServiceKind;
  readonly index: number;
  readonly env: Record<string, string>;
  readonly healthUrl: string | undefined;
  override: Record<string, string>;
  /** The latest process, from its spawn on. */
  current?: ServiceProcess;
  readied?: ServiceProcess;
  starting?: Promise<ServiceProcess>;
}

const running = (service: ServiceProcess | undefined): service is ServiceProcess =>
  service !== undefined && service.child.exitCode === null && service.child.signalCode === null;

/** Only the variables that have a value. */
function defined(vars: Record<string, string | undefined>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(vars).filter((entry): entry is [string, string] => entry[1] !== undefined),
  );
}

function counted(options: SystemLaunchOptions): { wallets: number; settlements: number } {
  const wallets = options.wallets ?? 1;
  const settlements = options.settlements ?? 1;
  const problems: string[] = [];
  if (!Number.isInteger(wallets) || wallets < 0)
    problems.push(`wallets must be a whole number >= 0, not ${wallets}`);
  if (!Number.isInteger(settlements) || settlements < 0)
    problems.push(`settlements must be a whole number >= 0, not ${settlements}`);
  if (options.gateway && wallets < 1) problems.push("gateway needs at least one wallet");
  if (problems.length > 0) throw new Error(`system launcher: ${problems.join("; ")}`);
  return { wallets, settlements };
}

/** Allocates the ports and names every service; starts nothing (see `startAll`). */
export async function createSystemLauncher(
  options: SystemLaunchOptions = {},
): Promise<SystemLauncher> {
  const counts = counted(options);
  const ports = options.ports ?? {};
  const host = options.loopback ? "127.0.0.1" : undefined;
  const nats = { NATS_URL: options.natsUrl, NATS_PREFIX: options.natsPrefix };
  const stopGraceMs = options.stopGraceMs ?? 10_000;
  const instances = new Map<string, Instance>();
  const walletAddresses: string[] = [];
  const walletOpsPorts: number[] = [];
  let nextSettlement = 0;
  let closed = false;

  function add(
    kind: ServiceKind,
    index: number,
    several: boolean,
    wiring: Record<string, string | undefined>,
    healthPort: number,
  ): string {
    const name = several || index > 0 ? `${kindNames[kind]}-${index}` : kindNames[kind];
    if (options.ready === "health" && healthPort === 0)
      throw new Error(`system launcher: ${name} needs a fixed port for /health readiness`);
    const healthUrl = healthPort === 0 ? undefined : `http://127.0.0.1:${healthPort}/health`;
    instances.set(name, {
      name,
      kind,
      index,
      env: { ...defined(wiring), ...options.env?.[kind] },
      healthUrl,
      override: {},
    });
    return name;
  }

  async function addWallet(): Promise<string> {
    const index = walletAddresses.length;
    walletAddresses.push("");
    const grpcPort = ports.walletGrpc?.[index] ?? (await freePort());
    const opsPort = ports.walletOps?.[index] ?? (await freePort());
    walletAddresses[index] = `127.0.0.1:${grpcPort}`;
    walletOpsPorts[index] = opsPort;
    const wiring = {
      WALLET_GRPC_HOST: host,
      WALLET_GRPC_PORT: String(grpcPort),
      WALLET_OPS_HOST: host,
      WALLET_OPS_PORT: String(opsPort),
    };
    return add(
      "wallet",
      index,
      counts.wallets > 1,
      { ...wiring, DATABASE_URL: options.databaseUrl, ...nats },
      opsPort,
    );
  }

  function addSettlement(): string {
    const index = nextSettlement++;
    const opsPort = ports.settlementOps?.[index] ?? 0;
    const wiring = {
      SETTLEMENT_OPS_HOST: host,
      SETTLEMENT_OPS_PORT: String(opsPort),
      BANK_URL: bankUrl,
      ...nats,
    };
    return add("settlement", index, counts.settlements > 1, wiring, opsPort);
  }

  const bankPort = options.bankSim === false ? undefined : (ports.bankSim ?? (await freePort()));
  const bankUrl = bankPort === undefined ? undefined : `http://127.0.0.1:${bankPort}`;
  if (bankPort !== undefined)
    add("bankSim", 0, false, { BANK_SIM_HOST: host, BANK_SIM_PORT: String(bankPort) }, bankPort);
  for (let i = 0; i < counts.wallets; i++) await addWallet();
  for (let i = 0; i < counts.settlements; i++) addSettlement();
  const gatewayPort = options.gateway ? (ports.gateway ?? (await freePort())) : undefined;
  if (gatewayPort !== undefined) {
    add(
      "gateway",
      0,
      false,
      {
        GATEWAY_HOST: host,
        GATEWAY_PORT: String(gatewayPort),
        WALLET_GRPC_URL: walletAddresses[0],
      },
      gatewayPort,
    );
  }

  function instanceOf(name: string): Instance {
    const instance = instances.get(name);
    if (!instance)
      throw new Error(
        `system launcher: no service named ${name} (there are ${[...instances.keys()].join(", ")})`,
      );
    return instance;
  }

  function start(name: string): Promise<ServiceProcess> {
    const instance = instanceOf(name);
    if (closed) return Promise.reject(new Error(`not starting ${name}: the system is stopping`));
    if (instance.starting) return instance.starting;
    if (running(instance.readied)) return Promise.resolve(instance.readied);
    const onLine = options.onLine;
    const common = {
      name,
      entry: serviceEntries[instance.kind],
      env: { ...instance.env, ...instance.override },
      readyTimeoutMs: options.readyTimeoutMs,
      keepLogs: options.keepLogs,
      onLine: onLine && ((stream: "stdout" | "stderr", line: string) => onLine(name, stream, line)),
      onExit: (code: number | null, signal: NodeJS.Signals | null) =>
        options.onExit?.(name, code, signal, instance.readied === service),
    };
    const { service, ready } = spawnService(
      options.ready === "health"
        ? { ...common, readyUrl: instance.healthUrl! }
        : { ...common, readyMessage: readyMessages[instance.kind] },
    );
    instance.current = service;
    const started = ready
      .then((readyService) => {
        instance.readied = readyService;
        options.onReady?.(name);
        return readyService;
      })
      .finally(() => {
        if (instance.starting === started) instance.starting = undefined;
      });
    instance.starting = started;
    return started;
  }

  async function stop(name: string, graceMs = stopGraceMs): Promise<number | null | undefined> {
    return instanceOf(name).current?.stop(graceMs);
  }

  async function stopAll(): Promise<StoppedService[]> {
    closed = true;
    const stopped: StoppedService[] = [];
    for (const kind of stopOrder) {
      const group = [...instances.values()].filter(
        (instance) => instance.kind === kind && instance.current,
      );
      stopped.push(
        ...(await Promise.all(
          group.map(async ({ name, current }) => ({
            name,
            code: await current!.stop(stopGraceMs),
          })),
        )),
      );
    }
    return stopped;
  }

  return {
    bankUrl,
    gatewayUrl: gatewayPort === undefined ? undefined : `http://127.0.0.1:${gatewayPort}`,
    walletAddresses,
    walletOpsPorts,
    names: (kind) =>
      [...instances.values()]
        .filter((instance) => kind === undefined || instance.kind === kind)
        .map(({ name }) => name),
    async addInstance(kind) {
      if (closed) throw new Error(`not adding a ${kind}: the system is stopping`);
      return kind === "wallet" ? addWallet() : addSettlement();
    },
    async startAll() {
      // wallet-0 applies the migrations, so the other wallets wait for it; bank-sim starts alongside.
      const first = [...instances.values()].filter(
        ({ kind, index }) => kind === "bankSim" || (kind === "wallet" && index === 0),
      );
      const rest = [...instances.values()].filter((instance) => !first.includes(instance));
      for (const stage of [first, rest]) await Promise.all(stage.map(({ name }) => start(name)));
    },
    start,
    process: (name) => instanceOf(name).readied,
    pid: (name) => {
      const service = instanceOf(name).readied;
      return running(service) ? service.child.pid : undefined;
    },
    alive: (name) => running(instanceOf(name).readied),
    stderrTail: (name) =>
      (instanceOf(name).current?.stderrTail() ?? "").replace(/\s+/g, " ").trim(),
    async kill(name) {
      await instanceOf(name).current?.kill();
    },
    stop,
    async restartWith(name, env) {
      await stop(name);
      instanceOf(name).override = env;
      return start(name);
    },
    async waitUntilHealthy(timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      for (const { healthUrl } of instances.values()) {
        if (healthUrl === undefined) continue;
        while ((await healthStatus(healthUrl)) !== 200) {
          if (Date.now() > deadline)
            throw new Error(`${healthUrl} is not healthy after ${timeoutMs / 1000} s`);
          await sleep(healthyPollIntervalMs);
        }
      }
    },
    stopAll,
    killAllNow() {
      for (const { current } of instances.values())
        if (running(current)) current.child.kill("SIGKILL");
    },
  };
}
