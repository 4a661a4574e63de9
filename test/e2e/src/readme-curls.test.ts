/**
 * The README's curl examples, exactly as written, against the system that the README's start
 * command brings up (scripts/start-system.mjs, what `npm start` runs after building), its services
 * at LOG_LEVEL=warn. Run twice:
 * the second run gets 409 for both writes, carrying the original transactions.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createTestDatabase,
  deleteStreams,
  freePort,
  repoRoot,
  uniqueName,
  waitFor,
  type TestDatabase,
} from "@wallet/test-kit";

let system: ChildProcess;
let database: TestDatabase;
let gateway: string;
const natsPrefix = uniqueName("readme");
let output = "";

/** The curl lines of the README's gateway section, with the port moved to this run's gateway. */
function readmeCurls(): string[] {
  const readme = readFileSync(resolve(repoRoot, "README.md"), "utf8");
  const section = readme.slice(readme.indexOf("### REST gateway"));
  const block = /```sh\n([\s\S]*?)```/.exec(section)![1]!;
  return block
    .replace(/\\\n\s*/g, "")
    .split("\n")
    .filter((line) => line.startsWith("curl"));
}

/** Runs one curl line the way a shell would, with fetch. */
async function runCurl(line: string): Promise<{ status: number; body: unknown }> {
  const url = /(https?:\/\/\S+?)(["']|\s|$)/.exec(line)![1]!.replace("localhost:8080", gateway);
  const method = /-X (\w+)/.exec(line)?.[1] ?? "GET";
  const data = /-d '([^']*)'/.exec(line)?.[1];
  const res = await fetch(url, {
    method,
    headers: data ? { "content-type": "application/json" } : {},
    body: data,
  });
  return { status: res.status, body: await res.json() };
}

beforeAll(async () => {
  database = await createTestDatabase("wallet_readme");
  const ports = Object.fromEntries(
    await Promise.all(
      [
        "BANK_SIM_PORT",
        "WALLET_GRPC_PORT",
        "WALLET_OPS_PORT",
        "SETTLEMENT_OPS_PORT",
        "GATEWAY_PORT",
      ].map(async (k) => [k, String(await freePort())]),
    ),
  );
  gateway = `127.0.0.1:${ports.GATEWAY_PORT}`;
  system = spawn(process.execPath, [resolve(repoRoot, "scripts/start-system.mjs")], {
    // At warn the services log nothing while they start: the start must not wait for their logs.
    env: {
      ...process.env,
      ...ports,
      DATABASE_URL: database.url,
      NATS_PREFIX: natsPrefix,
      LOG_LEVEL: "warn",
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  system.stdout!.on("data", (chunk: Buffer) => (output += chunk.toString()));
  system.stderr!.on("data", (chunk: Buffer) => (output += chunk.toString()));
  await waitFor("the system to start", () => (output.includes("system ready") ? true : undefined), {
    timeoutMs: 60_000,
  });
});

afterAll(async () => {
  if (system && system.exitCode === null) {
    const exited = new Promise((resolve) => system.once("exit", resolve));
    system.kill("SIGINT");
    await exited;
  }
  await database?.drop();
  await deleteStreams("nats://127.0.0.1:4222", natsPrefix);
});

describe("the README's curl examples against `npm start`'s system", () => {
  it("answer as documented, and a second run gets 409 for both writes", async () => {
    const curls = readmeCurls();
    expect(curls).toHaveLength(5);
    const results = [];
    for (const line of curls) results.push(await runCurl(line));
    const [charge, withdraw, balance, transactions, health] = results;
    expect(charge!.status).toBe(201);
    expect(charge!.body).toMatchObject({
      transaction: {
        user_id: "123",
        amount: "5000",
        type: "charge",
        status: "completed",
        release_at: "2024-01-20T10:00:00.000Z",
      },
    });
    expect(withdraw!.status).toBe(202);
    expect(withdraw!.body).toMatchObject({
      transaction: { user_id: "123", amount: "1000", type: "withdrawal", status: "pending" },
    });
    expect(balance!.status).toBe(200);
    expect(balance!.body).toMatchObject({ user_id: "123", total: "5000" });
    expect(transactions!.status).toBe(200);
    expect((transactions!.body as { transactions: unknown[] }).transactions).toHaveLength(2);
    expect(health!.status).toBe(200);

    const again = [];
    for (const line of curls.slice(0, 2)) again.push(await runCurl(line));
    expect(again.map((r) => r.status)).toEqual([409, 409]);
    expect(again[0]!.body).toMatchObject({
      error: {
        code: "DUPLICATE_REQUEST",
        transaction: { id: (charge!.body as { transaction: { id: string } }).transaction.id },
      },
    });
    expect(again[1]!.body).toMatchObject({
      error: {
        code: "DUPLICATE_REQUEST",
        transaction: { id: (withdraw!.body as { transaction: { id: string } }).transaction.id },
      },
    });

    // The withdrawal goes all the way through settlement and the bank.
    const id = (withdraw!.body as { transaction: { id: string } }).transaction.id;
    await waitFor("the withdrawal to complete", async () => {
      const res = await fetch(`http://${gateway}/transactions/${id}`);
      const body = (await res.json()) as { transaction: { status: string } };
      return body.transaction.status === "completed" ? true : undefined;
    });
  });
});
