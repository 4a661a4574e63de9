import http2 from "node:http2";
import type net from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { errorCode, flag, frame, frameType, uint32 } from "./frames.js";
import { indexedField, literalField, staticIndex } from "./hpack.js";
import { huffmanEncode, huffmanLiteralField } from "./huffman-encode.js";
import { connectRawClient, type RawClient } from "./raw-client.js";
import { headerValue, readStreamAnswers } from "./stream-answers.js";

const servers: http2.Http2Server[] = [];
const clients: RawClient[] = [];
const sessions = new Set<http2.ServerHttp2Session>();

afterEach(async () => {
  clients.splice(0).forEach((c) => c.close());
  // A session the client broke off may linger on the server side; close() waits for every session.
  sessions.forEach((s) => s.destroy());
  sessions.clear();
  await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
});

async function listen(
  onStream: (stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders) => void,
): Promise<number> {
  const server = http2.createServer();
  server.on("stream", onStream);
  server.on("session", (session) => sessions.add(session));
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return (server.address() as net.AddressInfo).port;
}

async function connect(
  port: number,
  options: Parameters<typeof connectRawClient>[1] = {},
): Promise<RawClient> {
  const client = await connectRawClient(port, { ackSettings: true, ...options });
  clients.push(client);
  return client;
}

const request = (extra: number[] = []) =>
  Buffer.from([
    ...indexedField(2),
    ...indexedField(staticIndex.schemeHttp),
    ...literalField(staticIndex.path, "/x"),
    ...literalField(staticIndex.authority, "a"),
    ...extra,
  ]);

describe("huffmanEncode", () => {
  it("codes the RFC 7541 C.4.1 example as the RFC does", () => {
    expect(huffmanEncode(Buffer.from("www.example.com")).toString("hex")).toBe(
      "f1e3c2e5f23a6ba0ab90f4ff",
    );
  });

  it("codes non-ASCII bytes that nghttp2 decodes back unchanged", async () => {
    let seen: string | string[] | undefined;
    const port = await listen((stream, headers) => {
      seen = headers["x-text"];
      stream.respond({ ":status": 200 }, { endStream: true });
    });
    const client = await connect(port);
    const value = Buffer.from("café ünï €", "utf8");
    client.send(
      frame(
        frameType.headers,
        flag.endHeaders | flag.endStream,
        1,
        request(huffmanLiteralField("x-text", value)),
      ),
    );
    await client.until(() => client.count(frameType.headers) > 0);
    expect(seen).toBe(value.toString("latin1"));
    expect(headerValue(readStreamAnswers(client.frames).get(1)!, ":status")).toBe("200");
  });
});

describe("connectRawClient", () => {
  it("counts what it sends and records GOAWAY, resets and the answers' headers", async () => {
    const port = await listen((stream) =>
      stream.respond({ ":status": 204, "x-answer": "yes" }, { endStream: true }),
    );
    const client = await connect(port);
    await client.until(() => client.count(frameType.settings) > 0);
    const framesBefore = client.framesSent; // the preface's SETTINGS and the ACK of the server's
    client.send(frame(frameType.headers, flag.endHeaders | flag.endStream, 1, request()));
    client.send(frame(frameType.headers, flag.endHeaders, 3, request()));
    client.send(frame(frameType.rstStream, 0, 3, uint32(errorCode.cancel)));
    await client.until(() => client.count(frameType.headers) > 0);
    const answer = readStreamAnswers(client.frames).get(1)!;
    expect([headerValue(answer, ":status"), headerValue(answer, "x-answer")]).toEqual([
      "204",
      "yes",
    ]);
    expect(client.framesSent - framesBefore).toBe(3);
    client.send(frame(frameType.data, 0, 0, Buffer.from("x"))); // DATA on stream 0: a connection error
    await client.until(() => client.goaway !== undefined);
    expect(client.goaway?.code).toBe(errorCode.protocolError);
    expect(client.ended).toBe(true);
  });

  it("spends the windows the server grants and keeps counting past the frames it keeps", async () => {
    const port = await listen((stream) => stream.on("data", () => {}));
    const client = await connect(port, { framesKeptMax: 1 });
    client.send(frame(frameType.headers, flag.endHeaders, 1, request()));
    expect(client.window(1)).toBe(65_535);
    client.sendData(1, Buffer.alloc(1_000));
    expect(client.window(1)).toBe(64_535);
    for (let i = 0; i < 5; i++) client.send(frame(frameType.ping, 0, 0, Buffer.alloc(8)));
    await client.until(() => client.count(frameType.ping, flag.ack) === 5);
    expect(client.frames.length).toBe(1);
  });

  it("does not read the socket while paused", async () => {
    const port = await listen(() => {});
    const client = await connect(port, { paused: true });
    client.send(frame(frameType.ping, 0, 0, Buffer.alloc(8)));
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(client.bytesReceived).toBe(0);
    client.resume();
    await client.until(() => client.count(frameType.ping, flag.ack) === 1);
  });
});
