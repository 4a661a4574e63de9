/**
 * The gRPC port's bounds as a client meets them: grpc-js and node:http2 enforce them, the wallet
 * only configures them, so these tests check that the configuration reaches the wire.
 */
import http2 from "node:http2";
import net from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { status } from "@grpc/grpc-js";
import { createWalletClient } from "@wallet/proto";
import { grpcError } from "../testing/grpc-errors.js";
import { newKey, startWalletHarness, type WalletHarness } from "../testing/wallet-harness.js";

const connectionIdleMs = 1_000;
let harness: WalletHarness;
beforeAll(async () => {
  harness = await startWalletHarness({
    OUTBOX_RELAY_ENABLED: "false",
    WALLET_GRPC_CONCURRENT_STREAMS_MAX: "7",
    WALLET_GRPC_CONNECTIONS_MAX: "3",
    WALLET_GRPC_CONNECTION_IDLE_MS: String(connectionIdleMs),
    WALLET_GRPC_MAX_RECEIVE_BYTES: "1024",
  });
});
afterAll(() => harness?.close());

/** Resolves with how long the server took to close a connection, or undefined if it stayed open for `waitMs`. */
function closedWithin(socket: net.Socket, waitMs: number): Promise<number | undefined> {
  const started = Date.now();
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(undefined), waitMs);
    socket.on("error", () => undefined);
    socket.resume();
    socket.once("close", () => {
      clearTimeout(timer);
      resolve(Date.now() - started);
    });
  });
}

function connectSocket(port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, "127.0.0.1", () => resolve(socket));
    socket.once("error", reject);
  });
}

describe("the gRPC port's limits", () => {
  it("advertises the configured concurrent-stream bound in its SETTINGS", async () => {
    const session = http2.connect(`http://${harness.address}`);
    try {
      const settings = await new Promise<http2.Settings>((resolve, reject) => {
        session.once("remoteSettings", resolve);
        session.once("error", reject);
      });
      expect(settings.maxConcurrentStreams).toBe(7);
    } finally {
      session.destroy();
    }
  });

  it("closes a connection past the per-process bound at once, and serves the others", async () => {
    const held = await Promise.all([
      connectSocket(harness.app.grpcPort),
      connectSocket(harness.app.grpcPort),
      connectSocket(harness.app.grpcPort),
    ]);
    try {
      const extra = await connectSocket(harness.app.grpcPort);
      // Well before the idle bound could have closed it.
      expect(await closedWithin(extra, 2_000)).toBeLessThan(connectionIdleMs / 2);
    } finally {
      held.forEach((socket) => socket.destroy());
    }
    // Once the held ones are gone, a real client connects and is served.
    await waitForFreePlace();
    const client = createWalletClient(harness.address, 5_000);
    try {
      expect((await client.getBalance({ userId: 1n })).balance?.available).toBe(0n);
    } finally {
      client.close();
    }
  });

  it("closes a connection that never sends the HTTP/2 preface once the idle bound has passed", async () => {
    const socket = await connectSocket(harness.app.grpcPort);
    const closedAfterMs = await closedWithin(socket, connectionIdleMs * 5);
    socket.destroy();
    expect(closedAfterMs).toBeDefined();
    expect(closedAfterMs).toBeGreaterThanOrEqual(connectionIdleMs * 0.9);
  });

  it("refuses a message over the receive bound with RESOURCE_EXHAUSTED and writes nothing", async () => {
    const caught = await grpcError(
      harness.client.charge({ userId: 2n, amount: 5n, idempotencyKey: newKey("x".repeat(2_000)) }),
    );
    expect(caught.code).toBe(status.RESOURCE_EXHAUSTED);
    expect((await harness.client.getBalance({ userId: 2n })).balance?.available).toBe(0n);
  });
});

async function waitForFreePlace(): Promise<void> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const probe = await connectSocket(harness.app.grpcPort);
    const closed = await closedWithin(probe, 100);
    probe.destroy();
    if (closed === undefined) return;
  }
  throw new Error("the port stayed full after its connections closed");
}
