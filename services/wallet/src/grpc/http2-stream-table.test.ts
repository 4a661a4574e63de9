import http2 from "node:http2";
import type { AddressInfo } from "node:net";
import { credentials, makeClientConstructor, Server, ServerCredentials } from "@grpc/grpc-js";
import { HealthImplementation, service as healthService } from "grpc-health-check";
import { afterEach, describe, expect, it } from "vitest";
import { adoptStreamTable, StreamTable, useStreamTables } from "./http2-stream-table.js";

describe("StreamTable", () => {
  it("answers like the Map it replaces", () => {
    const table = new StreamTable<string>();
    expect(table.set(3, "a").set(1, "b").set(3, "c")).toBe(table);
    expect(table.size).toBe(2);
    expect(table.get(3)).toBe("c");
    expect(table.has(1)).toBe(true);
    expect(table.delete(1)).toBe(true);
    expect(table.delete(1)).toBe(false);
    expect(table.has(1)).toBe(false);
    expect(table.get(1)).toBeUndefined();
    expect(table.size).toBe(1);
  });

  it("visits streams in id order, the order they opened, and skips one deleted before it is reached", () => {
    const table = new StreamTable<string>();
    for (const id of [1, 3, 5, 7]) table.set(id, `s${id}`);
    const visited: number[] = [];
    table.forEach((_, id) => {
      visited.push(id);
      table.delete(id);
      if (id === 3) table.delete(5);
    });
    expect(visited).toEqual([1, 3, 7]);
    expect(table.size).toBe(0);

    for (const id of [9, 11]) table.set(id, `s${id}`);
    expect([...table]).toEqual([
      [9, "s9"],
      [11, "s11"],
    ]);
    expect([...table.keys()]).toEqual([9, 11]);
    expect([...table.values()]).toEqual(["s9", "s11"]);
  });
});

describe("node:http2 sessions on a StreamTable", () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function serverAdoptingTables() {
    const sessions: http2.ServerHttp2Session[] = [];
    const server = http2.createServer();
    server.on("session", (session) => {
      expect(adoptStreamTable(session)).toBe(true);
      sessions.push(session);
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const client = http2.connect(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
    cleanups.push(() => void client.destroy());
    return { server, client, sessions };
  }

  const streamsOf = (session: http2.Http2Session) => {
    const stateKey = Object.getOwnPropertySymbols(session).find((symbol) => symbol.description === "state")!;
    return (session as unknown as Record<symbol, { streams: unknown }>)[stateKey]!.streams;
  };

  it("serves concurrent streams, and the table empties as they end", async () => {
    const { server, client, sessions } = await serverAdoptingTables();
    server.on("stream", (stream) => setTimeout(() => stream.respond({ ":status": 200 }, { endStream: true }), 5));
    const statuses = await Promise.all(
      Array.from(
        { length: 40 },
        () =>
          new Promise<number>((resolve, reject) => {
            const request = client.request({ ":path": "/" });
            request.on("response", (headers) => resolve(Number(headers[":status"])));
            request.on("error", reject);
            request.end();
            request.resume();
          }),
      ),
    );
    expect(statuses.every((status) => status === 200)).toBe(true);
    const table = streamsOf(sessions[0]!);
    expect(table).toBeInstanceOf(StreamTable);
    await expect.poll(() => (table as StreamTable<unknown>).size).toBe(0);
  });

  it("destroys the open streams when the session is destroyed (node walks the table)", async () => {
    const { server, client, sessions } = await serverAdoptingTables();
    const serverStreams: http2.ServerHttp2Stream[] = [];
    server.on("stream", (stream) => serverStreams.push(stream));
    const requests = Array.from({ length: 3 }, () => {
      const request = client.request({ ":path": "/" });
      request.on("error", () => undefined);
      return request;
    });
    await expect.poll(() => serverStreams.length).toBe(3);
    sessions[0]!.destroy();
    await expect.poll(() => serverStreams.every((stream) => stream.destroyed)).toBe(true);
    await expect.poll(() => requests.every((request) => request.closed)).toBe(true);
    expect((streamsOf(sessions[0]!) as StreamTable<unknown>).size).toBe(0);
  });

  it("leaves a session alone whose state is not the expected empty Map", () => {
    expect(adoptStreamTable({} as http2.Http2Session)).toBe(false);
  });
});

describe("a grpc-js server using stream tables", () => {
  it("installs on a bound server and still answers calls", async () => {
    const server = new Server();
    new HealthImplementation({ "": "SERVING" }).addToServer(server);
    expect(useStreamTables(server, () => undefined)).toBe(false); // not bound yet: no HTTP/2 server
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync("127.0.0.1:0", ServerCredentials.createInsecure(), (err, bound) => (err ? reject(err) : resolve(bound))),
    );
    let notAdopted = 0;
    expect(useStreamTables(server, () => notAdopted++)).toBe(true);
    const HealthClient = makeClientConstructor(healthService, "grpc.health.v1.Health");
    const client = new HealthClient(`127.0.0.1:${port}`, credentials.createInsecure()) as unknown as {
      check(request: object, callback: (err: Error | null, response?: { status: string }) => void): void;
      close(): void;
    };
    try {
      const answers = await Promise.all(
        Array.from({ length: 20 }, () => new Promise<string>((resolve, reject) => client.check({ service: "" }, (err, response) => (err ? reject(err) : resolve(response!.status))))),
      );
      expect(answers.every((status) => status === "SERVING")).toBe(true);
      expect(notAdopted).toBe(0);
    } finally {
      client.close();
      server.forceShutdown();
    }
  });
});
