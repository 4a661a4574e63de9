/**
 * Per-call log lines carry the call's context (request id, method), whether the call succeeds or
 * is refused; at the default level a successful call writes none.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { status } from "@grpc/grpc-js";
import { createLogger } from "@wallet/logger";
import { captureLogLines } from "@wallet/test-kit";
import { grpcError } from "../testing/grpc-errors.js";
import { newKey, startWalletHarness, type WalletHarness } from "../testing/wallet-harness.js";

/** A wallet for the enclosing describe whose logger, at `level`, keeps its lines for reading. */
function walletLoggingAt(level: string) {
  const { destination, lines } = captureLogLines();
  const logger = createLogger("wallet-test", level, destination);
  let harness: WalletHarness | undefined;
  beforeAll(async () => {
    harness = await startWalletHarness({ OUTBOX_RELAY_ENABLED: "false" }, undefined, logger);
  });
  afterAll(() => harness?.close());
  return {
    client: () => harness!.client,
    linesOf: (requestId: string) => lines.filter((line) => line.requestId === requestId),
  };
}

describe("at debug level", () => {
  const { client, linesOf } = walletLoggingAt("debug");

  it("a charge's lines carry its request id and method", async () => {
    const { transaction } = await client().charge(
      { userId: 71n, amount: 250n, idempotencyKey: newKey() },
      { requestId: "log-charge-1" },
    );
    const lines = linesOf("log-charge-1");
    expect(lines).toEqual([
      expect.objectContaining({
        msg: "charged",
        method: "Charge",
        transactionId: transaction!.id,
        userId: "71",
        amount: "250",
      }),
      expect.objectContaining({ msg: "rpc finished", method: "Charge", code: "OK" }),
    ]);
  });

  it("a refused call's line carries its request id and status", async () => {
    const refused = await grpcError(
      client().charge(
        { userId: 71n, amount: 0n, idempotencyKey: newKey() },
        { requestId: "log-refused-1" },
      ),
    );
    expect(refused.code).toBe(status.INVALID_ARGUMENT);
    expect(linesOf("log-refused-1")).toEqual([
      expect.objectContaining({ msg: "rpc finished", method: "Charge", code: "INVALID_ARGUMENT" }),
    ]);
  });
});

describe("at info level", () => {
  const { client, linesOf } = walletLoggingAt("info");

  it("a successful charge writes no line", async () => {
    await client().charge(
      { userId: 72n, amount: 250n, idempotencyKey: newKey() },
      { requestId: "log-quiet-1" },
    );
    expect(linesOf("log-quiet-1")).toEqual([]);
  });
});
