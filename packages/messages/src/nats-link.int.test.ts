import { randomUUID } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import { startNatsLink, type NatsLink, type NatsLinkOptions } from "./nats-link.js";
import { defaultStreamLimits, topology, type Topology } from "./topology.js";

const natsUrl = process.env.NATS_URL ?? "nats://127.0.0.1:4222";
const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };

const started: { link: NatsLink; topo: Topology }[] = [];
afterEach(async () => {
  for (const { link, topo } of started.splice(0)) {
    const jsm = link.ready()?.jsm;
    for (const stream of [topo.requestStream, topo.resultStream])
      await jsm?.streams.delete(stream).catch(() => undefined);
    await link.close();
  }
});

function start(overrides: Partial<NatsLinkOptions> = {}): { link: NatsLink; topo: Topology } {
  const topo = topology(`link_${randomUUID().slice(0, 8)}`);
  const link = startNatsLink({
    url: natsUrl,
    name: "nats-link-test",
    topology: topo,
    streamLimits: defaultStreamLimits,
    reconnectWaitMs: 100,
    waitForServer: false,
    logger: quiet,
    ...overrides,
  });
  started.push({ link, topo });
  return { link, topo };
}

describe("startNatsLink", () => {
  it("connects, ensures both streams, and drains the connection on close", async () => {
    const { link, topo } = start({ requestTimeoutMs: 2_000 });
    const { nc, jsm } = await link.whenReady();
    expect(link.connected()).toBe(true);
    for (const stream of [topo.requestStream, topo.resultStream]) {
      expect((await jsm.streams.info(stream)).config.subjects).toHaveLength(1);
      await jsm.streams.delete(stream);
    }
    await link.close();
    expect(nc.isClosed()).toBe(true);
  });

  it("without waitForServer, fails the start when the first connection is refused", async () => {
    // Nothing listens on port 1, so the connection is refused at once.
    const { link } = start({ url: "nats://127.0.0.1:1" });
    await expect(link.whenReady()).rejects.toThrow();
    expect(link.ready()).toBeUndefined();
    expect(link.connected()).toBe(false);
  });
});
