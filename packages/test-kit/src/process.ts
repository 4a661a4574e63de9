import { spawn, type ChildProcess } from "node:child_process";
import { createServer } from "node:net";
import type { Readable } from "node:stream";
import { serviceProcessEnv } from "@wallet/runtime";
import type { LogLine } from "./log-capture.js";
import { sleep } from "./wait.js";

/** How much of a process's stderr is kept: enough for a stack trace, bounded for a chatty one. */
const stderrTailMax = 4 * 1024;
/** While a service starts, its log is checked this often, or its /health asked this often. */
const logPollIntervalMs = 50;
const healthPollIntervalMs = 100;
/** Bounds one /health request, so a port that accepts but never answers cannot stall a wait. */
const healthRequestTimeoutMs = 1_000;

/** Asks the OS for a free TCP port on loopback. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() =>
        typeof address === "object" && address
          ? resolve(address.port)
          : reject(new Error("no port")),
      );
    });
  });
}

/** The HTTP status a /health URL answers with, or undefined when nothing answers within 1 s. */
export function healthStatus(url: string): Promise<number | undefined> {
  return fetch(url, { signal: AbortSignal.timeout(healthRequestTimeoutMs) }).then(
    (res) => res.status,
    () => undefined,
  );
}

export interface ServiceProcess {
  readonly name: string;
  readonly child: ChildProcess;
  /** Every JSON log line the process printed so far, parsed (only until ready with `keepLogs: "until-ready"`). */
  readonly logs: LogLine[];
  /** The last 4 KiB the process wrote to stderr, where a crash's stack trace goes. */
  stderrTail(): string;
  /** Sends SIGTERM once and waits for the exit code (SIGKILL after `graceMs`). */
  stop(graceMs?: number): Promise<number | null>;
  /** SIGKILL: a crash, with no chance to clean up. */
  kill(): Promise<void>;
  exited(): Promise<number | null>;
}

interface StartServiceCommon {
  name: string;
  /** The compiled entry point, for example services/wallet/dist/main.js. */
  entry: string;
  /** Over the service process settings, the caller's environment and LOG_LEVEL=TEST_SERVICE_LOG_LEVEL (or info). */
  env: Record<string, string>;
  readyTimeoutMs?: number;
  /**
   * "until-ready": once the service is ready its stdout is no longer parsed into `logs`. Under
   * load a wallet logs every charge, and parsing that would compete with it for the same cores.
   */
  keepLogs?: "always" | "until-ready";
  /** Every line the process prints, as it comes. Its output is then shown, so failures do not repeat it. */
  onLine?: (stream: "stdout" | "stderr", line: string) => void;
  onExit?: (code: number | null, signal: NodeJS.Signals | null) => void;
}

/** Ready once it logs `readyMessage` (a log line's `msg`), or once `readyUrl` answers at all. */
export type StartServiceOptions = StartServiceCommon &
  ({ readyMessage: string; readyUrl?: undefined } | { readyUrl: string; readyMessage?: undefined });

export interface StartingService {
  /** The process from the moment it is spawned, so it can be stopped while it starts. */
  readonly service: ServiceProcess;
  /** Resolves once it is ready; if it exits first or is not ready in time, it is killed and this rejects. */
  readonly ready: Promise<ServiceProcess>;
}

/** Starts a real service process and waits until it is ready. */
export function startService(options: StartServiceOptions): Promise<ServiceProcess> {
  return spawnService(options).ready;
}

/** Starts a real service process; `ready` says when it is ready. */
export function spawnService(options: StartServiceOptions): StartingService {
  const child = spawn(process.execPath, [options.entry], {
    env: {
      ...serviceProcessEnv,
      ...process.env,
      LOG_LEVEL: process.env.TEST_SERVICE_LOG_LEVEL ?? "info",
      ...options.env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const logs: LogLine[] = [];
  let stderrTail = "";
  let parsing = true;
  let readyLogged = false;
  let status: { code: number | null; signal: NodeJS.Signals | null } | undefined;

  const exit = new Promise<number | null>((resolve) => {
    const settle = (code: number | null, signal: NodeJS.Signals | null) => {
      if (status) return;
      status = { code, signal };
      options.onExit?.(code, signal);
      resolve(code);
    };
    child.once("exit", settle);
    // A process that could not be spawned at all emits no "exit".
    child.on("error", () => {
      if (child.pid === undefined) settle(null, null);
    });
  });

  const stopReading = readLines(child.stdout, (line) => {
    options.onLine?.("stdout", line);
    if (!parsing) return;
    const parsed = parseLogLine(line);
    logs.push(parsed);
    if (parsed.msg === options.readyMessage) readyLogged = true;
  });
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
    stderrTail = `${stderrTail}${chunk}`.slice(-stderrTailMax);
    if (process.env.TEST_SHOW_STDERR) process.stderr.write(`[${options.name}] ${chunk}`);
  });
  const onLine = options.onLine;
  if (onLine) readLines(child.stderr, (line) => onLine("stderr", line));

  let stopping: Promise<number | null> | undefined;
  const service: ServiceProcess = {
    name: options.name,
    child,
    logs,
    stderrTail: () => stderrTail,
    exited: () => exit,
    stop(graceMs = 10_000) {
      if (status) return Promise.resolve(status.code);
      // Once only: a service stops gracefully on its first signal and dies on the second.
      stopping ??= (async () => {
        child.kill("SIGTERM");
        const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
        const code = await exit;
        clearTimeout(timer);
        return code;
      })();
      return stopping;
    },
    async kill() {
      if (status) return;
      child.kill("SIGKILL");
      await exit;
    },
  };

  const readyUrl = options.readyUrl;
  const timeoutMs = options.readyTimeoutMs ?? 30_000;
  const isReady =
    readyUrl === undefined
      ? async () => readyLogged
      : async () => (await healthStatus(readyUrl)) !== undefined;
  const ready = (async () => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (status) {
        const details = options.onLine ? "" : `: ${stderrTail}${JSON.stringify(logs.slice(-5))}`;
        throw new Error(
          `${options.name} exited with ${status.signal ?? status.code} before it was ready${details}`,
        );
      }
      if (await isReady()) break;
      if (Date.now() > deadline) {
        throw new Error(
          readyUrl === undefined
            ? `timed out after ${timeoutMs} ms waiting for ${options.name} to log "${options.readyMessage}"`
            : `${options.name} did not answer ${readyUrl} within ${timeoutMs / 1000} s`,
        );
      }
      await sleep(readyUrl === undefined ? logPollIntervalMs : healthPollIntervalMs);
    }
    if (options.keepLogs === "until-ready") {
      parsing = false;
      // Nothing else reads stdout then: keep it flowing (a full pipe would block the service), unread.
      if (!options.onLine) stopReading();
    }
    return service;
  })().catch(async (err: unknown) => {
    await service.kill();
    throw err;
  });
  return { service, ready };
}

function parseLogLine(line: string): LogLine {
  try {
    return JSON.parse(line) as LogLine;
  } catch {
    return { msg: line };
  }
}

/** Calls `onLine` for every complete line of `stream`; the function returned stops reading it. */
function readLines(stream: Readable, onLine: (line: string) => void): () => void {
  let buffered = "";
  const onData = (chunk: string) => {
    buffered += chunk;
    let newline: number;
    while ((newline = buffered.indexOf("\n")) >= 0) {
      const line = buffered.slice(0, newline);
      buffered = buffered.slice(newline + 1);
      onLine(line);
    }
  };
  stream.setEncoding("utf8").on("data", onData);
  return () => {
    stream.removeListener("data", onData);
    stream.resume();
  };
}
