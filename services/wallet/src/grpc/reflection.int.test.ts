import { execFile } from "node:child_process";
import { resolve } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { waitFor } from "@wallet/test-kit";
import { startWalletHarness, type WalletHarness } from "../testing/wallet-harness.js";

const run = promisify(execFile);
// buf ships with the proto package; it is an independent client that only knows what reflection tells it.
const buf = resolve(__dirname, "../../../../packages/proto/node_modules/.bin/buf");

let harness: WalletHarness;
beforeAll(async () => {
  harness = await startWalletHarness({
    OUTBOX_RELAY_ENABLED: "false",
    HEALTH_CHECK_INTERVAL_MS: "200",
  });
});
afterAll(() => harness?.close());

const bufCurl = (...args: string[]) =>
  run(buf, ["curl", "--protocol", "grpc", "--http2-prior-knowledge", ...args], {
    timeout: 20_000,
  }).then((r) => r.stdout);

describe("reflection and health, through buf curl", () => {
  it("lists every WalletService method with no proto files at hand", async () => {
    const out = await bufCurl("--list-methods", `http://${harness.address}`);
    for (const method of [
      "Charge",
      "Withdraw",
      "GetBalance",
      "ListTransactions",
      "GetTransaction",
    ]) {
      expect(out).toContain(`wallet.v1.WalletService/${method}`);
    }
  });

  it("makes a real call described only by reflection, int64 as strings", async () => {
    const body = JSON.stringify({
      user_id: "42",
      amount: "9007199254740993",
      idempotency_key: "reflection-1",
    });
    const out = JSON.parse(
      await bufCurl("-d", body, `http://${harness.address}/wallet.v1.WalletService/Charge`),
    );
    expect(out.transaction.amount).toBe("9007199254740993");
    const balance = JSON.parse(
      await bufCurl(
        "-d",
        '{"user_id":"42"}',
        `http://${harness.address}/wallet.v1.WalletService/GetBalance`,
      ),
    );
    expect(balance.balance.available).toBe("9007199254740993");
  });

  it("answers the standard health check with SERVING once PostgreSQL and NATS are up", async () => {
    const check = async () =>
      JSON.parse(
        await bufCurl(
          "-d",
          '{"service":"wallet.v1.WalletService"}',
          `http://${harness.address}/grpc.health.v1.Health/Check`,
        ),
      ) as {
        status: string;
      };
    const out = await waitFor(
      "SERVING",
      async () => ((await check()).status === "SERVING" ? "SERVING" : undefined),
      { timeoutMs: 15_000 },
    );
    expect(out).toBe("SERVING");
  });

  it("answers NOT_SERVING while PostgreSQL is unreachable, and SERVING again after", async () => {
    const status = async () =>
      (
        JSON.parse(
          await bufCurl("-d", "{}", `http://${harness.address}/grpc.health.v1.Health/Check`),
        ) as { status?: string }
      ).status;
    await harness.database.setConnectionsAllowed(false);
    try {
      await waitFor(
        "NOT_SERVING",
        async () => ((await status()) === "NOT_SERVING" ? true : undefined),
        { timeoutMs: 15_000 },
      );
    } finally {
      await harness.database.setConnectionsAllowed(true);
    }
    await waitFor(
      "SERVING again",
      async () => ((await status()) === "SERVING" ? true : undefined),
      { timeoutMs: 15_000 },
    );
  });
});
