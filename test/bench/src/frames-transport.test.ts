/**
 * The frames transport against a scripted HTTP/2 server, for what a grpc-js server does not do on
 * demand: split header blocks, padding, PING, RST_STREAM, GOAWAY, a one-stream limit, a closed
 * send window, an unreadable header block. (unary-transport.test.ts runs the same calls as the
 * other transports against a real grpc-js server.)
 */
import net from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { createFramesTransport } from "./frames-transport.js";
import { grpcCodeName } from "./grpc-code-name.js";
import {
  flag,
  frame,
  frameType,
  HpackDecoder,
  indexedField,
  literalField,
} from "@wallet/http2-raw";
import { frameMessage } from "./grpc-unary-protocol.js";
import type { UnaryMethod, UnaryTransport } from "./unary-transport.js";

const type = frameType;
const flags = flag;

const uint32s = (...values: number[]) =>
  Buffer.concat(
    values.map((value) =>
      Buffer.from([value >>> 24, (value >>> 16) & 0xff, (value >>> 8) & 0xff, value & 0xff]),
    ),
  );
const settingsPayload = (entries: [number, number][]) =>
  Buffer.concat(
    entries.map(([id, value]) =>
      Buffer.concat([Buffer.from([id >> 8, id & 0xff]), uint32s(value)]),
    ),
  );

const okHeaders = Buffer.from([...indexedField(8), ...literalField(31, "application/grpc")]);
const okTrailers = Buffer.from(literalField("grpc-status", "0"));

interface ClientCall {
  streamId: number;
  path: string;
  message: Buffer;
}

interface ServerConnection {
  socket: net.Socket;
  /** Frames the client sent, other than its calls' HEADERS and DATA. */
  received: { type: number; flags: number; streamId: number; payload: Buffer }[];
  dataBytes: number;
  openStreams: number;
  answer(call: ClientCall, message: Buffer): void;
}

/** A server that reads HTTP/2 frames and hands each complete call to `onCall`. */
async function scriptedServer(options: {
  settings?: [number, number][];
  onCall(call: ClientCall, connection: ServerConnection): void;
}) {
  const connections: ServerConnection[] = [];
  let maxOpenStreams = 0;
  const server = net.createServer((socket) => {
    const connection: ServerConnection = {
      socket,
      received: [],
      dataBytes: 0,
      openStreams: 0,
      answer(call, message) {
        const body = frameMessage(message);
        socket.write(
          Buffer.concat([
            frame(type.headers, flags.endHeaders, call.streamId, okHeaders),
            frame(type.data, 0, call.streamId, body),
            frame(type.headers, flags.endHeaders | flags.endStream, call.streamId, okTrailers),
          ]),
        );
        connection.openStreams--;
      },
    };
    connections.push(connection);
    socket.write(frame(type.settings, 0, 0, settingsPayload(options.settings ?? [])));
    let pending = Buffer.alloc(0);
    let prefaceRead = false;
    const paths = new Map<number, string>();
    const headerDecoder = new HpackDecoder(4_096);
    socket.on("data", (chunk: Buffer) => {
      pending = Buffer.concat([pending, chunk]);
      if (!prefaceRead) {
        if (pending.length < 24) return;
        pending = pending.subarray(24);
        prefaceRead = true;
      }
      while (pending.length >= 9 && pending.length >= 9 + pending.readUIntBE(0, 3)) {
        const length = pending.readUIntBE(0, 3);
        const [frameType, frameFlags, streamId] = [
          pending[3]!,
          pending[4]!,
          pending.readUInt32BE(5),
        ];
        const payload = Buffer.from(pending.subarray(9, 9 + length));
        pending = pending.subarray(9 + length);
        if (frameType === type.headers) {
          headerDecoder.decode(
            payload,
            0,
            payload.length,
            (name, value) => name === ":path" && paths.set(streamId, value),
          );
          connection.openStreams++;
          maxOpenStreams = Math.max(maxOpenStreams, connection.openStreams);
        } else if (frameType === type.data) {
          connection.dataBytes += payload.length;
          options.onCall(
            { streamId, path: paths.get(streamId)!, message: payload.subarray(5) },
            connection,
          );
        } else {
          connection.received.push({ type: frameType, flags: frameFlags, streamId, payload });
          if (frameType === type.settings && !(frameFlags & flags.ack))
            socket.write(frame(type.settings, flags.ack, 0));
        }
      }
    });
    socket.on("error", () => {});
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    address: `127.0.0.1:${port}`,
    connections,
    maxOpenStreams: () => maxOpenStreams,
    close: () => {
      connections.forEach((connection) => connection.socket.destroy());
      server.close();
    },
  };
}

const echo: UnaryMethod<Buffer, Buffer> = {
  path: "/probe.Probe/Echo",
  requestSerialize: (value) => value,
  responseDeserialize: (value) => value,
};

async function failureCode(promise: Promise<unknown>): Promise<string> {
  return promise.then(
    () => "OK",
    (err: unknown) => grpcCodeName(err),
  );
}

describe("the frames transport against a scripted HTTP/2 server", () => {
  const cleanups: (() => void)[] = [];
  afterEach(() => cleanups.splice(0).forEach((cleanup) => cleanup()));

  async function connect(
    options: Parameters<typeof scriptedServer>[0],
    deadlineMs = 2_000,
  ): Promise<{ transport: UnaryTransport; server: Awaited<ReturnType<typeof scriptedServer>> }> {
    const server = await scriptedServer(options);
    const transport = createFramesTransport(server.address, deadlineMs);
    cleanups.push(
      () => transport.close(),
      () => server.close(),
    );
    await transport.waitForReady(2_000);
    return { transport, server };
  }

  it("reads a header block split over CONTINUATION frames and a padded DATA frame", async () => {
    const { transport } = await connect({
      onCall: (call, { socket }) => {
        const body = frameMessage(Buffer.from(`echo ${call.message.toString()}`));
        const padded = Buffer.concat([Buffer.from([3]), body, Buffer.alloc(3)]);
        socket.write(
          Buffer.concat([
            frame(type.headers, 0, call.streamId, okHeaders.subarray(0, 1)),
            frame(type.continuation, flags.endHeaders, call.streamId, okHeaders.subarray(1)),
            frame(type.data, flags.padded, call.streamId, padded),
            frame(type.headers, flags.endStream, call.streamId, okTrailers.subarray(0, 4)),
            frame(type.continuation, flags.endHeaders, call.streamId, okTrailers.subarray(4)),
          ]),
        );
      },
    });
    await expect(transport.call(echo, Buffer.from("hi"))).resolves.toEqual(Buffer.from("echo hi"));
  });

  it("answers the server's PING with the same payload", async () => {
    const ping = Buffer.from("8 bytes!");
    const { transport, server } = await connect({
      onCall: (call, connection) => {
        connection.socket.write(frame(type.ping, 0, 0, ping));
        setTimeout(() => connection.answer(call, call.message), 50);
      },
    });
    await transport.call(echo, Buffer.from("x"));
    const acks = server.connections[0]!.received.filter((f) => f.type === type.ping);
    expect(acks).toEqual([{ type: type.ping, flags: flags.ack, streamId: 0, payload: ping }]);
  });

  it("maps RST_STREAM to the gRPC status PROTOCOL-HTTP2.md gives it", async () => {
    const resetCodes: Record<string, number> = {
      refused: 0x7,
      cancel: 0x8,
      calm: 0xb,
      internal: 0x2,
    };
    const { transport } = await connect({
      onCall: (call, { socket }) =>
        socket.write(
          frame(type.rstStream, 0, call.streamId, uint32s(resetCodes[call.message.toString()]!)),
        ),
    });
    const codes = await Promise.all(
      Object.keys(resetCodes).map((name) => failureCode(transport.call(echo, Buffer.from(name)))),
    );
    expect(codes).toEqual(["UNAVAILABLE", "CANCELLED", "RESOURCE_EXHAUSTED", "INTERNAL"]);
  });

  it("on GOAWAY fails only the calls the server did not take, and later calls use a new connection", async () => {
    const held: ClientCall[] = [];
    const { transport, server } = await connect({
      onCall: (call, connection) => {
        if (server.connections.length > 1) {
          connection.answer(call, call.message);
          return;
        }
        held.push(call);
        if (held.length < 2) return;
        // Takes the first call only, then answers it.
        connection.socket.write(frame(type.goaway, 0, 0, uint32s(held[0]!.streamId, 0)));
        connection.answer(held[0]!, held[0]!.message);
      },
    });
    const [first, second] = await Promise.all([
      failureCode(transport.call(echo, Buffer.from("a"))),
      failureCode(transport.call(echo, Buffer.from("b"))),
    ]);
    expect([first, second]).toEqual(["OK", "UNAVAILABLE"]);
    await expect(transport.call(echo, Buffer.from("c"))).resolves.toEqual(Buffer.from("c"));
    expect(server.connections).toHaveLength(2);
  });

  it("sends the calls still queued at a GOAWAY on a new connection", async () => {
    const { transport, server } = await connect({
      settings: [[0x3, 1]],
      onCall: (call, connection) => {
        if (connection === server.connections[0])
          connection.socket.write(frame(type.goaway, 0, 0, uint32s(call.streamId, 0)));
        setTimeout(() => connection.answer(call, call.message), 5);
      },
    });
    const answers = await Promise.all(
      ["a", "b", "c"].map((text) => transport.call(echo, Buffer.from(text))),
    );
    expect(answers.map(String)).toEqual(["a", "b", "c"]);
    // The first connection carried one call; the two queued behind the limit went on the second.
    expect(server.connections.map((connection) => connection.dataBytes)).toEqual([6, 12]);
  });

  it("cancels the calls still queued when it is closed", async () => {
    const { transport } = await connect({
      settings: [[0x3, 1]],
      onCall: (call, connection) => setTimeout(() => connection.answer(call, call.message), 20),
    });
    const outcomes = ["a", "b"].map((text) => failureCode(transport.call(echo, Buffer.from(text))));
    await new Promise((resolve) => setTimeout(resolve, 5));
    transport.close();
    expect(await Promise.all(outcomes)).toEqual(["OK", "CANCELLED"]);
  });

  it("keeps to the server's concurrent-stream limit, queueing the calls beyond it", async () => {
    const { transport, server } = await connect({
      settings: [[0x3, 1]],
      onCall: (call, connection) => setTimeout(() => connection.answer(call, call.message), 5),
    });
    const answers = await Promise.all(
      Array.from({ length: 6 }, (_, i) => transport.call(echo, Buffer.from(`call ${i}`))),
    );
    expect(answers.map(String)).toEqual(Array.from({ length: 6 }, (_, i) => `call ${i}`));
    expect(server.maxOpenStreams()).toBe(1);
  });

  it("sends no more DATA than the connection window allows until the server grants more", async () => {
    const message = Buffer.alloc(10_000, 1);
    let granted = false;
    let bytesBeforeGrant = 0;
    const { transport } = await connect({
      onCall: (call, connection) => {
        if (!granted) bytesBeforeGrant = connection.dataBytes;
        connection.answer(call, Buffer.from("ok"));
        // The first six calls use 60,030 of the initial 65,535 bytes; the seventh must wait.
        if (connection.dataBytes >= 6 * (message.length + 5) && !granted) {
          setTimeout(() => {
            granted = true;
            connection.socket.write(frame(type.windowUpdate, 0, 0, uint32s(65_535)));
          }, 50);
        }
      },
    });
    const answers = await Promise.all(
      Array.from({ length: 8 }, () => transport.call(echo, message)),
    );
    expect(answers.map(String)).toEqual(Array(8).fill("ok"));
    expect(bytesBeforeGrant).toBeLessThanOrEqual(65_535);
    expect(granted).toBe(true);
  });

  it("fails a message larger than one frame with INTERNAL without sending it", async () => {
    const { transport, server } = await connect({
      onCall: (call, connection) => connection.answer(call, call.message),
    });
    expect(await failureCode(transport.call(echo, Buffer.alloc(20_000)))).toBe("INTERNAL");
    await expect(transport.call(echo, Buffer.from("small"))).resolves.toEqual(Buffer.from("small"));
    expect(server.connections[0]!.dataBytes).toBe(5 + 5);
  });

  it("fails a message larger than a new stream's send window with INTERNAL without sending it", async () => {
    const { transport, server } = await connect({
      settings: [[0x4, 100]],
      onCall: (call, connection) => connection.answer(call, call.message),
    });
    expect(await failureCode(transport.call(echo, Buffer.alloc(200)))).toBe("INTERNAL");
    await expect(transport.call(echo, Buffer.alloc(90))).resolves.toHaveLength(90);
    expect(server.connections[0]!.dataBytes).toBe(5 + 90);
  });

  it("fails the connection's calls with INTERNAL on a header block it cannot read", async () => {
    const { transport } = await connect({
      // Index 62 is the first dynamic-table entry, which a table of size 0 cannot hold.
      onCall: (call, { socket }) =>
        socket.write(
          frame(
            type.headers,
            flags.endHeaders | flags.endStream,
            call.streamId,
            Buffer.from([0x80 | 62]),
          ),
        ),
    });
    expect(await failureCode(transport.call(echo, Buffer.from("x")))).toBe("INTERNAL");
  });

  it("advertises a header table of size 0 and no push", async () => {
    const { transport, server } = await connect({
      onCall: (call, connection) => connection.answer(call, call.message),
    });
    // The client's SETTINGS precede its first call on the connection.
    await transport.call(echo, Buffer.from("x"));
    const settings = server.connections[0]!.received.find(
      (f) => f.type === type.settings && !(f.flags & flags.ack),
    )!;
    const entries = new Map<number, number>();
    for (let at = 0; at < settings.payload.length; at += 6)
      entries.set(settings.payload.readUInt16BE(at), settings.payload.readUInt32BE(at + 2));
    expect(entries.get(0x1)).toBe(0);
    expect(entries.get(0x2)).toBe(0);
  });
});
