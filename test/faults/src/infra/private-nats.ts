/**
 * A nats-server of the suite's own with JetStream on a private port and store directory, so the
 * suite can stop it, restart it on the same store and check that stream data survived, without
 * touching the server other developers share.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { closeSync, openSync } from "node:fs";
import { join } from "node:path";
import { connect } from "@nats-io/transport-node";
import { freePort, sleep, waitFor } from "@wallet/test-kit";

export interface PrivateNats {
  readonly url: string;
  running(): boolean;
  /** Graceful stop (SIGTERM): the server flushes its store and exits. */
  stop(): Promise<void>;
  start(): Promise<void>;
  close(): Promise<void>;
  killNow(): void;
}

const startTimeoutMs = 20_000;
const stopTimeoutMs = 10_000;

export async function startPrivateNats(workDir: string): Promise<PrivateNats> {
  const port = await freePort();
  const url = `nats://127.0.0.1:${port}`;
  const storeDir = join(workDir, "nats-store");
  const logPath = join(workDir, "nats.log");
  let server: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();

  async function start(): Promise<void> {
    if (server) return;
    const log = openSync(logPath, "a");
    const child = spawn(
      "nats-server",
      ["-a", "127.0.0.1", "-p", String(port), "-js", "-sd", storeDir],
      {
        stdio: ["ignore", log, log],
      },
    );
    closeSync(log);
    server = child;
    exited = new Promise((resolve) =>
      child.once("exit", () => {
        if (server === child) server = undefined;
        resolve();
      }),
    );
    child.once("error", () => undefined);
    await waitFor(
      "the private nats-server to accept connections",
      async () => {
        if (!server) throw new Error(`nats-server exited; see ${logPath}`);
        const nc = await connect({ servers: url, timeout: 500, reconnect: false });
        await nc.close();
        return true;
      },
      { timeoutMs: startTimeoutMs, intervalMs: 100 },
    );
  }

  async function stop(): Promise<void> {
    const child = server;
    if (!child) return;
    child.kill("SIGTERM");
    const stopped = await Promise.race([
      exited.then(() => true),
      sleep(stopTimeoutMs).then(() => false),
    ]);
    if (!stopped) {
      child.kill("SIGKILL");
      await exited;
    }
  }

  await start();
  return {
    url,
    running: () => server !== undefined,
    start,
    stop,
    close: stop,
    killNow: () => server?.kill("SIGKILL"),
  };
}
