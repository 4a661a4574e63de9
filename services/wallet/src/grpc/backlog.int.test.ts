import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { status } from "@grpc/grpc-js";
import { grpcError } from "../testing/grpc-errors.js";
import { newKey, startWalletHarness, type WalletHarness } from "../testing/wallet-harness.js";

let harness: WalletHarness;
beforeAll(async () => {
  harness = await startWalletHarness({ WITHDRAWAL_BACKLOG_MAX: "2", OUTBOX_RELAY_ENABLED: "false" });
});
afterAll(() => harness?.close());

describe("withdrawal backlog bound", () => {
  it("answers RESOURCE_EXHAUSTED past the bound and changes nothing", async () => {
    const { client } = harness;
    await client.charge({ userId: 1n, amount: 100n, idempotencyKey: newKey() });
    await client.withdraw({ userId: 1n, amount: 1n, idempotencyKey: newKey() });
    await client.withdraw({ userId: 1n, amount: 1n, idempotencyKey: newKey() });
    const caught = await grpcError(client.withdraw({ userId: 1n, amount: 1n, idempotencyKey: newKey() }));
    expect(caught.code).toBe(status.RESOURCE_EXHAUSTED);
    expect(caught.detail?.code).toBe("WITHDRAWAL_BACKLOG_FULL");
    expect((await client.getBalance({ userId: 1n })).balance).toMatchObject({ available: 98n, pending: 2n });
  });
});
