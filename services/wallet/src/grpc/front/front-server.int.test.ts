/**
 * The gRPC front with an echo service served natively and grpc-js behind it (health, and the same
 * echo service for compressed calls), against the stock grpc-js client and a raw HTTP/2 socket.
 * The wallet's own suites run every WalletService call through the front as well.
 */
import { setTimeout as sleep } from "node:timers/promises";
import {
  Client,
  credentials,
  Metadata,
  Server,
  ServerCredentials,
  status,
  type sendUnaryData,
  type ServerUnaryCall,
  type ServiceDefinition,
  type ServiceError,
} from "@grpc/grpc-js";
import { HealthImplementation, service as healthService } from "grpc-health-check";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { connectRawClient, errorCode, flag, frame, frameType, indexedField, literalField, setting, staticIndex, uint32, type RawClient } from "@wallet/http2-wire";
import { startFrontServer, type FrontServer, type UnaryRoute } from "./front-server.js";

const identity = (bytes: Buffer) => bytes;
/** Echo answers its request; "fail:<details>" fails with that; "slow" answers after 300 ms. */
const echoDefinition = {
  Echo: { path: "/test.Echo/Echo", requestStream: false, responseStream: false, requestSerialize: identity, requestDeserialize: identity, responseSerialize: identity, responseDeserialize: identity },
} satisfies ServiceDefinition;

const seen: { metadata: Metadata; call: { cancelled: boolean } }[] = [];
function echo(call: ServerUnaryCall<Buffer, Buffer>, callback: sendUnaryData<Buffer>): void {
  seen.push({ metadata: call.metadata, call });
  const text = call.request.toString();
  const trailer = new Metadata();
  trailer.set("x-echo-trailer", "yes");
  if (text.startsWith("fail:")) {
    const failure = Object.assign(new Error(text), { code: status.FAILED_PRECONDITION, details: text.slice(5), metadata: trailer }) as ServiceError;
    callback(failure);
  } else if (text === "slow") setTimeout(() => callback(null, call.request, trailer), 300);
  else if (text.startsWith("big:")) callback(null, Buffer.alloc(Number(text.slice(4)), 7), trailer);
  else callback(null, call.request, trailer);
}

const routes = new Map<string, UnaryRoute>([["/test.Echo/Echo", { deserialize: identity, serialize: (value) => value as Buffer, handle: echo as UnaryRoute["handle"] }]]);

let grpcServer: Server;
let upstreamPort: number;
let front: FrontServer | undefined;
let client: Client;
const rawClients: RawClient[] = [];

async function startFront(concurrentStreamsMax = 100): Promise<FrontServer> {
  client?.close();
  await front?.close(100);
  front = await startFrontServer({
    host: "127.0.0.1",
    port: 0,
    upstreamAddress: `127.0.0.1:${upstreamPort}`,
    routes,
    maxReceiveMessageBytes: 1024,
    concurrentStreamsMax,
    headerBlockBytesMax: 4096,
    passThroughBufferBytesMax: 64 * 1024,
    socketBufferBytesMax: 256 * 1024,
    logger: { warn: () => undefined },
  });
  client = new Client(`127.0.0.1:${front.port}`, credentials.createInsecure());
  return front;
}

beforeEach(async () => {
  seen.length = 0;
  grpcServer = new Server();
  grpcServer.addService(echoDefinition, { Echo: echo });
  new HealthImplementation({ "": "SERVING" }).addToServer(grpcServer);
  upstreamPort = await new Promise<number>((resolve, reject) =>
    grpcServer.bindAsync("127.0.0.1:0", ServerCredentials.createInsecure(), (err, port) => (err ? reject(err) : resolve(port))),
  );
  await startFront();
});

afterEach(async () => {
  client.close();
  rawClients.splice(0).forEach((raw) => raw.socket.destroy());
  await front?.close(100);
  front = undefined;
  grpcServer.forceShutdown();
});

function callEcho(request: string, options: { metadata?: Metadata; deadlineMs?: number; client?: Client } = {}) {
  return new Promise<{ response?: Buffer; error?: ServiceError; trailer?: Metadata }>((resolve) => {
    let trailer: Metadata | undefined;
    const call = (options.client ?? client).makeUnaryRequest(
      "/test.Echo/Echo",
      identity,
      identity,
      Buffer.from(request),
      options.metadata ?? new Metadata(),
      { deadline: Date.now() + (options.deadlineMs ?? 5_000) },
      (error, response) => setImmediate(() => resolve({ response, error: error ?? undefined, trailer })),
    );
    call.on("status", (callStatus) => (trailer = callStatus.metadata));
  });
}

async function raw(settings: [number, number][] = []): Promise<RawClient> {
  const rawClient = await connectRawClient(front!.port, { settings });
  rawClients.push(rawClient);
  return rawClient;
}

/** A request's HEADERS for the echo path; the front never needs the dynamic table for these. */
function echoHeaders(streamId: number, endStream = false, path = "/test.Echo/Echo"): Buffer {
  const block = Buffer.from([
    ...indexedField(staticIndex.methodPost),
    ...indexedField(staticIndex.schemeHttp),
    ...literalField(staticIndex.path, path),
    ...literalField(staticIndex.contentType, "application/grpc"),
    ...literalField("te", "trailers"),
  ]);
  return frame(frameType.headers, flag.endHeaders | (endStream ? flag.endStream : 0), streamId, block);
}

function grpcMessage(text: string): Buffer {
  const body = Buffer.from(text);
  const out = Buffer.alloc(5 + body.length);
  out.writeUInt32BE(body.length, 1);
  body.copy(out, 5);
  return out;
}

describe("the gRPC front", () => {
  it("serves a unary call itself: response, request metadata, trailing metadata", async () => {
    const metadata = new Metadata();
    metadata.set("x-request-id", "r-1");
    metadata.set("x-blob-bin", Buffer.from([0, 1, 2, 255]));
    const { response, error, trailer } = await callEcho("hello", { metadata });
    expect(error).toBeUndefined();
    expect(response!.toString()).toBe("hello");
    expect(trailer!.get("x-echo-trailer")).toEqual(["yes"]);
    expect(seen).toHaveLength(1);
    expect(seen[0]!.metadata.get("x-request-id")).toEqual(["r-1"]);
    expect(seen[0]!.metadata.get("x-blob-bin")).toEqual([Buffer.from([0, 1, 2, 255])]);
    // Transport headers are not metadata, as in grpc-js.
    expect(seen[0]!.metadata.get("content-type")).toEqual([]);
    expect(seen[0]!.metadata.get("te")).toEqual([]);
  });

  it("answers a handler's error with its code, its details (percent-encoded on the wire) and its metadata", async () => {
    const { error } = await callEcho("fail:no money – 100% gone");
    expect(error!.code).toBe(status.FAILED_PRECONDITION);
    expect(error!.details).toBe("no money – 100% gone");
    expect(error!.metadata.get("x-echo-trailer")).toEqual(["yes"]);
  });

  it("serves many calls at once on one connection, each its own answer", async () => {
    const answers = await Promise.all(Array.from({ length: 200 }, (_, i) => callEcho(`call-${i}`)));
    expect(answers.map((answer) => answer.response?.toString())).toEqual(Array.from({ length: 200 }, (_, i) => `call-${i}`));
  });

  it("passes health (unary and streaming) and unknown methods through to grpc-js", async () => {
    const check = await new Promise<unknown>((resolve, reject) =>
      client.makeUnaryRequest(healthService.Check!.path, healthService.Check!.requestSerialize, healthService.Check!.responseDeserialize, { service: "" }, (err, value) =>
        err ? reject(err) : resolve(value),
      ),
    );
    expect(check).toMatchObject({ status: "SERVING" });
    const watched = await new Promise<unknown>((resolve) => {
      const stream = client.makeServerStreamRequest(healthService.Watch!.path, healthService.Watch!.requestSerialize, healthService.Watch!.responseDeserialize, { service: "" });
      stream.on("data", (value) => {
        resolve(value);
        stream.cancel();
      });
      stream.on("error", () => undefined);
    });
    expect(watched).toMatchObject({ status: "SERVING" });
    const unknown = await new Promise<ServiceError>((resolve) =>
      client.makeUnaryRequest("/test.Echo/Nope", identity, identity, Buffer.from("x"), (err) => resolve(err!)),
    );
    expect(unknown.code).toBe(status.UNIMPLEMENTED);
  });

  it("passes a compressed call through to grpc-js, which decompresses it", async () => {
    const gzipClient = new Client(`127.0.0.1:${front!.port}`, credentials.createInsecure(), { "grpc.default_compression_algorithm": 2 });
    try {
      const { response, error } = await callEcho("squeezed".repeat(50), { client: gzipClient });
      expect(error).toBeUndefined();
      expect(response!.toString()).toBe("squeezed".repeat(50));
    } finally {
      gzipClient.close();
    }
  });

  it("answers RESOURCE_EXHAUSTED to a message over the bound, and the handler never sees it", async () => {
    const { error } = await callEcho("x".repeat(1025));
    expect(error!.code).toBe(status.RESOURCE_EXHAUSTED);
    expect(seen).toHaveLength(0);
    expect((await callEcho("x".repeat(1024))).response!.length).toBe(1024);
  });

  it("cancels a call whose client resets it: the late answer is dropped", async () => {
    const { error } = await callEcho("slow", { deadlineMs: 50 });
    expect(error!.code).toBe(status.DEADLINE_EXCEEDED);
    await sleep(400);
    expect(seen[0]!.call.cancelled).toBe(true);
    expect((await callEcho("after")).response!.toString()).toBe("after");
  });

  it("sends no more than the client's windows allow, and the rest as they open", async () => {
    const client = await raw([[setting.initialWindowSize, 10]]);
    client.socket.write(Buffer.concat([echoHeaders(1), frame(frameType.data, flag.endStream, 1, grpcMessage("big:95"))]));
    // 100 bytes of DATA (5 + 95) through a 10-byte stream window.
    await client.until(() => client.count(frameType.data) === 1);
    await sleep(50);
    expect(client.frames.filter((f) => f.type === frameType.data).map((f) => f.payload.length)).toEqual([10]);
    client.socket.write(frame(frameType.windowUpdate, 0, 1, uint32(90)));
    await client.until(() => client.count(frameType.headers, flag.endStream) === 1);
    const data = Buffer.concat(client.frames.filter((f) => f.type === frameType.data).map((f) => f.payload));
    expect(data.length).toBe(100);
    expect(data.readUInt32BE(1)).toBe(95);
  });

  it("refuses a stream beyond its concurrent-stream limit", async () => {
    await startFront(1);
    const client = await raw();
    client.socket.write(Buffer.concat([echoHeaders(1), echoHeaders(3)]));
    await client.until(() => client.count(frameType.rstStream) === 1);
    const reset = client.frames.find((f) => f.type === frameType.rstStream)!;
    expect([reset.streamId, reset.payload.readUInt32BE(0)]).toEqual([3, errorCode.refusedStream]);
    client.socket.write(frame(frameType.data, flag.endStream, 1, grpcMessage("one")));
    await client.until(() => client.count(frameType.headers, flag.endStream) === 1);
  });

  it("answers INTERNAL to a body that is not exactly one message, or a compressed one without grpc-encoding", async () => {
    const client = await raw();
    const compressed = grpcMessage("z");
    compressed[0] = 1;
    client.socket.write(
      Buffer.concat([
        echoHeaders(1),
        frame(frameType.data, flag.endStream, 1, Buffer.concat([grpcMessage("a"), grpcMessage("b")])),
        echoHeaders(3),
        frame(frameType.data, flag.endStream, 3, compressed),
      ]),
    );
    await client.until(() => client.count(frameType.headers, flag.endStream) === 2);
    // Trailers-only answers: grpc-status 13 in each final HEADERS block (literal, never indexed).
    for (const answer of client.frames.filter((f) => f.type === frameType.headers)) expect(answer.payload.includes(Buffer.from("grpc-status\x0213"))).toBe(true);
    expect(seen).toHaveLength(0);
  });

  it("on close sends GOAWAY, finishes the call it had taken, then takes no more", async () => {
    const slow = callEcho("slow");
    await sleep(50);
    const closing = front!.close(5_000);
    front = undefined;
    const { response } = await slow;
    expect(response!.toString()).toBe("slow");
    await closing;
    expect((await callEcho("late", { deadlineMs: 500 })).error!.code).toBe(status.UNAVAILABLE);
  });

  it("ends the connection with GOAWAY on protocol errors: PUSH_PROMISE, a header block over the bound, bad HPACK", async () => {
    const cases: [Buffer, number][] = [
      [frame(frameType.pushPromise, flag.endHeaders, 1, Buffer.alloc(4)), errorCode.protocolError],
      [frame(frameType.headers, 0, 1, Buffer.alloc(4097)), errorCode.enhanceYourCalm],
      [frame(frameType.headers, flag.endHeaders, 1, Buffer.from([0x80 | 90])), errorCode.compressionError],
    ];
    for (const [bad, code] of cases) {
      const client = await raw();
      client.socket.write(bad);
      await client.until(() => client.count(frameType.goaway) === 1);
      expect(client.frames.find((f) => f.type === frameType.goaway)!.payload.readUInt32BE(4)).toBe(code);
      await client.closed;
    }
  });

  it("drops a connection that does not open with the HTTP/2 preface", async () => {
    const client = await connectRawClient(front!.port, { sendPreface: false });
    rawClients.push(client);
    client.socket.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    await client.closed;
    // The server's own SETTINGS may go out first; nothing is answered.
    expect(client.count(frameType.headers)).toBe(0);
  });

  it("stops reading a client that does not read its answers, and reads it again once it does", async () => {
    // Windows wide open: what holds the answers back is the client not reading, not flow control.
    const client = await raw([[setting.initialWindowSize, 2 ** 31 - 1]]);
    client.socket.write(frame(frameType.windowUpdate, 0, 0, uint32(2 ** 31 - 1 - 65_535)));
    client.socket.pause(); // the client reads nothing
    const headers = echoHeaders(1);
    const request = Buffer.concat([headers, frame(frameType.data, flag.endStream, 1, grpcMessage("big:60000"))]);
    // Far more answers (60 MB in all) than the socket bound and the kernel's buffers hold.
    for (let i = 0, streamId = 1; i < 1_000; i++, streamId += 2) {
      request.writeUInt32BE(streamId, 5);
      request.writeUInt32BE(streamId, headers.length + 5);
      client.socket.write(Buffer.from(request));
    }
    await sleep(500);
    const answeredWhilePaused = seen.length;
    expect(answeredWhilePaused).toBeLessThan(500);
    client.socket.resume();
    await client.until(() => seen.length === 1_000);
  });
});
