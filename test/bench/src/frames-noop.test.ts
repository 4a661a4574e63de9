/**
 * The frames-noop server against the bench's three clients, and against a raw socket for what
 * they never do on demand: exhaust its connection send window, open more streams than it allows,
 * split a header block, send a frame too large, or speak something other than HTTP/2.
 */
import type net from "node:net";
import { service as healthService } from "grpc-health-check";
import { afterEach, describe, expect, it } from "vitest";
import { listenFramesNoop, type FramesNoopServer } from "./frames-noop.js";
import { connectRawClient, errorCode, flag, frame, frameType, indexedField, uint32, type RawClient } from "@wallet/http2-wire";
import type { UnaryMethod } from "./unary-transport.js";
import { createTransport } from "./workloads.js";
import { transportNames } from "./unary-transport.js";

const check = healthService.Check as unknown as UnaryMethod<{ service: string }, { status?: unknown }>;
/** Never decoded by the server: any block will do. */
const requestBlock = Buffer.from(indexedField(3));
const windowDefault = 65_535;

let server: FramesNoopServer | undefined;
const sockets: net.Socket[] = [];

afterEach(async () => {
  sockets.splice(0).forEach((socket) => socket.destroy());
  await server?.close(100);
  server = undefined;
});

async function start(concurrentStreamsMax = 100): Promise<FramesNoopServer> {
  server = await listenFramesNoop({ host: "127.0.0.1", port: 0, concurrentStreamsMax });
  return server;
}

async function rawClient(port: number, options: { sendPreface?: boolean } = {}): Promise<RawClient> {
  const client = await connectRawClient(port, options);
  sockets.push(client.socket);
  return client;
}

/** HEADERS for one call per stream id, each ending its stream (a call with no message). */
const calls = (firstStreamId: number, count: number) =>
  Buffer.concat(Array.from({ length: count }, (_, i) => frame(frameType.headers, flag.endHeaders | flag.endStream, firstStreamId + 2 * i, requestBlock)));

describe("the frames-noop server", () => {
  it.each(transportNames)("answers every call of the %s client with an empty message", async (transportName) => {
    const { port } = await start();
    const transport = createTransport(transportName, `127.0.0.1:${port}`, 5_000);
    try {
      await transport.waitForReady(5_000);
      const answers = await Promise.all(Array.from({ length: 300 }, () => transport.call(check, { service: "" })));
      expect(answers).toHaveLength(300);
      // An empty message decodes to the default CheckResponse (proto-loader gives enums by name).
      for (const answer of answers) expect(answer.status).toBe("UNKNOWN");
    } finally {
      transport.close();
    }
  });

  it("holds answers beyond the client's connection window until the client grants more", async () => {
    const { port } = await start();
    const client = await rawClient(port);
    const fitting = Math.floor(windowDefault / 5);
    client.socket.write(calls(1, fitting + 3));
    await client.until(() => client.count(frameType.data) === fitting);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(client.count(frameType.data)).toBe(fitting);
    client.socket.write(frame(frameType.windowUpdate, 0, 0, uint32(10)));
    await client.until(() => client.count(frameType.data) === fitting + 2);
    client.socket.write(frame(frameType.windowUpdate, 0, 0, uint32(5)));
    await client.until(() => client.count(frameType.headers, flag.endStream) === fitting + 3);
    // Each answer: HEADERS, a 5-byte empty message, and trailers that end the stream.
    const answered = client.frames.filter((f) => f.type === frameType.data);
    expect(answered.every((f) => f.payload.equals(Buffer.alloc(5)))).toBe(true);
    expect(new Set(answered.map((f) => f.streamId)).size).toBe(fitting + 3);
  });

  it("refuses a stream beyond its concurrent-stream limit and answers the others", async () => {
    const { port } = await start(2);
    const client = await rawClient(port);
    const opening = (streamId: number) => frame(frameType.headers, flag.endHeaders, streamId, requestBlock);
    client.socket.write(Buffer.concat([opening(1), opening(3), opening(5)]));
    await client.until(() => client.count(frameType.rstStream) === 1);
    const reset = client.frames.find((f) => f.type === frameType.rstStream)!;
    expect([reset.streamId, reset.payload.readUInt32BE(0)]).toEqual([5, errorCode.refusedStream]);
    client.socket.write(Buffer.concat([frame(frameType.data, flag.endStream, 1, Buffer.alloc(5)), frame(frameType.data, flag.endStream, 3, Buffer.alloc(5))]));
    await client.until(() => client.count(frameType.headers, flag.endStream) === 2);
    expect(client.frames.filter((f) => f.type === frameType.data).map((f) => f.streamId)).toEqual([1, 3]);
  });

  it("answers a call whose header block continues in a CONTINUATION frame, and PINGs", async () => {
    const { port } = await start();
    const client = await rawClient(port);
    client.socket.write(
      Buffer.concat([
        frame(frameType.headers, flag.endStream, 1, requestBlock),
        frame(frameType.continuation, flag.endHeaders, 1, requestBlock),
        frame(frameType.ping, 0, 0, Buffer.from("12345678")),
      ]),
    );
    await client.until(() => client.count(frameType.headers, flag.endStream) === 1 && client.count(frameType.ping, flag.ack) === 1);
    expect(client.frames.find((f) => f.type === frameType.ping)!.payload.toString()).toBe("12345678");
  });

  it("on close sends GOAWAY, still answers a call it had taken, then ends the connection", async () => {
    const noop = await start();
    const client = await rawClient(noop.port);
    client.socket.write(frame(frameType.headers, flag.endHeaders, 1, requestBlock));
    await new Promise((resolve) => setTimeout(resolve, 50));
    const closing = noop.close(5_000);
    server = undefined;
    await client.until(() => client.count(frameType.goaway) === 1);
    expect(client.frames.find((f) => f.type === frameType.goaway)!.payload.readUInt32BE(0)).toBe(1);
    client.socket.write(Buffer.concat([calls(3, 1), frame(frameType.data, flag.endStream, 1, Buffer.alloc(5))]));
    await client.closed;
    await closing;
    // Stream 3 came after GOAWAY named 1 as the last: never answered.
    expect(client.frames.filter((f) => f.type === frameType.headers && f.flags & flag.endStream).map((f) => f.streamId)).toEqual([1]);
  });

  it("answers a frame larger than it accepts with GOAWAY FRAME_SIZE_ERROR and ends the connection, open streams or not", async () => {
    const { port } = await start();
    const client = await rawClient(port);
    client.socket.write(frame(frameType.headers, flag.endHeaders, 1, requestBlock));
    client.socket.write(frame(frameType.data, 0, 1, Buffer.alloc(16_385)));
    await client.until(() => client.count(frameType.goaway) === 1);
    expect(client.frames.find((f) => f.type === frameType.goaway)!.payload.readUInt32BE(4)).toBe(errorCode.frameSizeError);
    await client.closed;
  });

  it("drops a connection that does not open with the HTTP/2 preface", async () => {
    const { port } = await start();
    const client = await rawClient(port, { sendPreface: false });
    client.socket.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    await client.closed;
    expect(client.count(frameType.headers)).toBe(0);
  });
});
