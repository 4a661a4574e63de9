import { spawn, type ChildProcess } from "node:child_process";
import { createServer } from "node:net";
import { serviceProcessEnv } from "@wallet/runtime";
import type { LogLine } from "./log-capture.js";
import { waitFor } from "./wait.js";

/** Asks the OS for a free TCP port on loopback. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port"))));
    });
  });
}

export interface ServiceProcess {
  readonly name: string;
  readonly child: ChildProcess;
  /** Every JSON log line the process printed so far, parsed. */
  readonly logs: LogLine[];
  /** Sends SIGTERM and waits for the exit code (SIGKILL after `graceMs`). */
  stop(graceMs?: number): Promise<number | null>;
  /** SIGKILL: a crash, with no chance to clean up. */
  kill(): Promise<void>;
  exited(): Promise<number | null>;
}

export interface StartServiceOptions {
  name: string;
  /** The compiled entry point, for example services/wallet/dist/main.js. */
  entry: string;
  env: Record<string, string>;
  /** A log line's `msg` that says the service is ready. */
  readyMessage: string;
  readyTimeoutMs?: number;
}

/** Starts a real service process and waits until it logs that it is ready. */
export async function startService(options: StartServiceOptions): Promise<ServiceProcess> {
  const child = spawn(process.execPath, [options.entry], {
    env: { ...serviceProcessEnv, ...process.env, LOG_LEVEL: process.env.TEST_SERVICE_LOG_LEVEL ?? "info", ...options.env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const logs: LogLine[] = [];
  let stderr = "";
  let buffered = "";
  child.stdout!.setEncoding("utf8").on("data", (chunk: string) => {
    buffered += chunk;
    let newline: number;
    while ((newline = buffered.indexOf("\n")) >= 0) {
      const line = buffered.slice(0, newline);
      buffered = buffered.slice(newline + 1);
      try {
        logs.push(JSON.parse(line) as LogLine);
      } catch {
        logs.push({ msg: line });
      }
    }
  });
  child.stderr!.setEncoding("utf8").on("data", (chunk: string) => {
    stderr += chunk;
    if (process.env.TEST_SHOW_STDERR) process.stderr.write(`[${options.name}] ${chunk}`);
  });
  const exit = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  let exitCode: number | null | undefined;
  void exit.then((code) => (exitCode = code));

  await waitFor(
    `${options.name} to log "${options.readyMessage}"`,
    () => {
      if (exitCode !== undefined) {
        throw new Error(`${options.name} exited with ${exitCode}: ${stderr}${JSON.stringify(logs.slice(-5))}`);
      }
      return logs.some((line) => line.msg === options.readyMessage) ? true : undefined;
    },
    { timeoutMs: options.readyTimeoutMs ?? 30_000 },
  );

  return {
    name: options.name,
    child,
    logs,
    exited: () => exit,
    async stop(graceMs = 10_000) {
      if (exitCode !== undefined) return exitCode;
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
      const code = await exit;
      clearTimeout(timer);
      return code;
    },
    async kill() {
      if (exitCode !== undefined) return;
      child.kill("SIGKILL");
      await exit;
    },
  };
}
