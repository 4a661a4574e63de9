/**
 * One client connection of the gRPC front (front-server.ts): HTTP/2 (RFC 9113) read and written on
 * the socket, each stream either a unary call served here or a stream passed through to grpc-js.
 *
 * Bounds: SETTINGS_MAX_CONCURRENT_STREAMS (more are refused with REFUSED_STREAM), a header block
 * bound (a larger block is a connection error), the message bound (RESOURCE_EXHAUSTED), and the
 * client's flow-control windows for what is sent back. A stream passed through pauses its
 * upstream while more than `passThroughBufferBytesMax` waits for the client's window.
 */
import type net from "node:net";
import http2 from "node:http2";
import { Metadata, status, type ServerUnaryCall, type sendUnaryData, type ServiceError } from "@grpc/grpc-js";
import type { Logger } from "@wallet/logger";
import {
  ClientPrefaceGate,
  type ClosableConnection,
  errorCode,
  flag,
  frame,
  frameSizeDefault,
  FrameSizeError,
  frameType,
  HpackDecoder,
  HpackError,
  indexedField,
  literalField,
  setting,
  settingEntry,
  splitFrames,
  staticIndex,
  TurnBatchedWriter,
  uint32,
  unpadded,
  windowDefault,
  windowMax,
} from "@wallet/http2-wire";
import { StreamTable } from "../http2-stream-table.js";
import type { Upstream } from "./upstream.js";

/** A unary method served by the front: its codecs and the handler grpc-js would call. */
export interface UnaryRoute {
  deserialize(bytes: Buffer): unknown;
  serialize(value: unknown): Buffer;
  handle(call: ServerUnaryCall<unknown, unknown>, callback: sendUnaryData<unknown>): void;
}

export interface FrontLimits {
  /** Incoming message size bound, as grpc.max_receive_message_length. */
  maxReceiveMessageBytes: number;
  /** SETTINGS_MAX_CONCURRENT_STREAMS per connection. */
  concurrentStreamsMax: number;
  /** Bound on a header block (all its CONTINUATION frames) and on the headers it decodes to. */
  headerBlockBytesMax: number;
  /** Bytes of a passed-through stream's answer held for the client's window before its upstream pauses. */
  passThroughBufferBytesMax: number;
  /** Bytes queued on the socket (a client not reading its answers) before the front stops reading its requests. */
  socketBufferBytesMax: number;
}

interface Deps {
  routes: ReadonlyMap<string, UnaryRoute>;
  upstream: Upstream;
  limits: FrontLimits;
  logger: Pick<Logger, "warn">;
}

const grpcMessagePrefixBytes = 5;
/** Received DATA bytes after which the connection's receive window is topped back up. */
const receiveWindowRefill = 2 ** 30;
const okStatusField = indexedField(8); // ":status: 200" in the static table
const grpcContentType = literalField(staticIndex.contentType, "application/grpc");
const responseHeaders = Buffer.from([...okStatusField, ...grpcContentType, ...literalField("grpc-accept-encoding", "identity")]);
/** The start of a trailers-only answer; its status and metadata follow. */
const trailersOnlyStart = Buffer.from([...okStatusField, ...grpcContentType]);
const grpcStatusOk = literalField("grpc-status", String(status.OK));
/** Headers a call's metadata does not carry (grpc-js removes the same ones). */
const transportHeaders = ["grpc-timeout", "grpc-encoding", "grpc-accept-encoding", "accept-encoding", "te", "content-type"];

type OutItem = { kind: "headers"; block: Buffer; endStream: boolean } | { kind: "data"; bytes: Buffer; endStream: boolean };

class Stream {
  /** Bytes the client may still receive on this stream. */
  sendWindow: number;
  readonly out: OutItem[] = [];
  outBytes = 0;
  clientEnded = false;
  serverEnded = false;
  /** A unary call served here: its route, headers and the request so far. */
  native?: { route: UnaryRoute; headers: Record<string, string>; chunks: Buffer[]; bytes: number; call?: FrontCall };
  /** A stream passed through to grpc-js. */
  upstream?: http2.ClientHttp2Stream;

  /** The answer is queued to its last frame (it may still wait for window). */
  get answerQueued(): boolean {
    return this.out.length > 0 && this.out[this.out.length - 1]!.endStream;
  }

  constructor(
    readonly id: number,
    sendWindow: number,
  ) {
    this.sendWindow = sendWindow;
  }
}

/**
 * What a unary handler sees of its call: the part of grpc-js's ServerUnaryCall the wallet's
 * handlers read (request and metadata), and whether the client gave up. No events are emitted.
 */
interface FrontCall {
  request: unknown;
  metadata: Metadata;
  cancelled: boolean;
}

class ConnectionError extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

export class FrontConnection implements ClosableConnection {
  private readonly writer: TurnBatchedWriter;
  private readonly streams = new StreamTable<Stream>();
  private readonly blocked = new Set<Stream>();
  private readonly decoder: HpackDecoder;
  private incoming: Buffer = Buffer.alloc(0);
  private readonly prefaceGate = new ClientPrefaceGate();
  private lastStreamId = 0;
  private sendWindow = windowDefault;
  private peerStreamWindow = windowDefault;
  private peerFrameSizeMax = frameSizeDefault;
  private receivedSinceRefill = 0;
  /** A header block continuing in CONTINUATION frames. */
  private continuing: { streamId: number; endStream: boolean; fragments: Buffer[]; bytes: number } | undefined;
  private goingAway = false;
  private readPaused = false;
  private readonly streamWindow: number;

  constructor(
    private readonly socket: net.Socket,
    private readonly deps: Deps,
    onClose: () => void,
  ) {
    socket.setNoDelay(true);
    this.writer = new TurnBatchedWriter(socket);
    this.decoder = new HpackDecoder(4_096); // the default table size: this side advertises none
    // The window a stream starts with here: room for the largest message, its prefix, and a frame.
    this.streamWindow = Math.min(windowMax, deps.limits.maxReceiveMessageBytes + grpcMessagePrefixBytes + frameSizeDefault);
    this.writer.send(
      frame(
        frameType.settings,
        0,
        0,
        Buffer.concat([
          settingEntry(setting.maxConcurrentStreams, deps.limits.concurrentStreamsMax),
          settingEntry(setting.initialWindowSize, this.streamWindow),
          settingEntry(setting.maxHeaderListSize, deps.limits.headerBlockBytesMax),
        ]),
      ),
    );
    this.writer.send(frame(frameType.windowUpdate, 0, 0, uint32(windowMax - windowDefault)));
    socket.on("data", (chunk: Buffer) => this.receive(chunk));
    socket.on("error", () => socket.destroy());
    socket.on("close", () => {
      this.abandonStreams();
      onClose();
    });
  }

  /** Takes no new streams; the connection ends once those it has are answered. */
  goAway(code: number = errorCode.noError, why?: string): void {
    if (this.goingAway) return;
    this.goingAway = true;
    const debug = why ? Buffer.from(why) : Buffer.alloc(0);
    this.writer.send(frame(frameType.goaway, 0, 0, Buffer.concat([uint32(this.lastStreamId), uint32(code), debug])));
    if (code !== errorCode.noError) this.abandonStreams();
    this.endIfDone();
  }

  destroy(): void {
    this.socket.destroy();
  }

  private receive(chunk: Buffer): void {
    if (this.goingAway && this.streams.size === 0) return;
    const bytes = this.prefaceGate.pass(chunk);
    if (bytes === null) return void this.socket.destroy();
    try {
      this.incoming = splitFrames(this.incoming, bytes, frameSizeDefault, this.onFrame, this.answersBacklogged);
      if (this.answersBacklogged()) this.readAfterDrain();
    } catch (err) {
      const code =
        err instanceof ConnectionError ? err.code : err instanceof HpackError ? errorCode.compressionError : err instanceof FrameSizeError ? errorCode.frameSizeError : errorCode.protocolError;
      this.goAway(code, (err as Error).message);
    }
  }

  /** A client that does not read its answers: more than the bound waits on the socket. */
  private readonly answersBacklogged = (): boolean => this.writer.pendingBytes > this.deps.limits.socketBufferBytesMax;

  /** Reads nothing more (the rest of this chunk waits in `incoming`) until the answers are written. */
  private readAfterDrain(): void {
    if (this.readPaused) return;
    this.readPaused = true;
    this.socket.pause();
    const retry = (): void => {
      if (this.socket.destroyed) return;
      // 'drain' comes only after a write the socket could not take at once.
      if (this.socket.writableNeedDrain) return void this.socket.once("drain", retry);
      if (this.answersBacklogged()) return void setImmediate(retry); // this turn's batch is not written yet
      this.readPaused = false;
      this.socket.resume();
      this.receive(Buffer.alloc(0));
    };
    setImmediate(retry);
  }

  private readonly onFrame = (type: number, flags: number, streamId: number, bytes: Buffer, start: number, end: number): void => {
    if (this.continuing && type !== frameType.continuation) throw new ConnectionError(errorCode.protocolError, "expected CONTINUATION");
    switch (type) {
      case frameType.headers: {
        if (streamId === 0) throw new ConnectionError(errorCode.protocolError, "HEADERS on stream 0");
        const [fieldsStart, to] = unpadded(flags, bytes, start, end);
        const from = flags & flag.priority ? fieldsStart + 5 : fieldsStart;
        if (to < from) throw new ConnectionError(errorCode.protocolError, "HEADERS shorter than its fields");
        const fragment = Buffer.from(bytes.subarray(from, to));
        this.continuing = { streamId, endStream: (flags & flag.endStream) !== 0, fragments: [fragment], bytes: fragment.length };
        this.checkBlockBound();
        if (flags & flag.endHeaders) this.onHeaderBlock();
        return;
      }
      case frameType.continuation: {
        const continuing = this.continuing;
        if (!continuing || continuing.streamId !== streamId) throw new ConnectionError(errorCode.protocolError, "CONTINUATION without its HEADERS");
        continuing.fragments.push(Buffer.from(bytes.subarray(start, end)));
        continuing.bytes += end - start;
        this.checkBlockBound();
        if (flags & flag.endHeaders) this.onHeaderBlock();
        return;
      }
      case frameType.data:
        return this.onData(flags, streamId, bytes, start, end);
      case frameType.rstStream: {
        if (end - start !== 4) throw new ConnectionError(errorCode.frameSizeError, "RST_STREAM is not 4 bytes");
        const stream = this.streams.get(streamId);
        if (stream) this.closeStream(stream, false);
        return;
      }
      case frameType.settings:
        if (flags & flag.ack) return;
        if ((end - start) % 6 !== 0) throw new ConnectionError(errorCode.frameSizeError, "SETTINGS length is not a multiple of 6");
        for (let at = start; at < end; at += 6) this.applySetting(bytes.readUInt16BE(at), bytes.readUInt32BE(at + 2));
        this.writer.send(frame(frameType.settings, flag.ack, 0));
        this.flushBlocked();
        return;
      case frameType.ping:
        if (end - start !== 8) throw new ConnectionError(errorCode.frameSizeError, "PING is not 8 bytes");
        if (!(flags & flag.ack)) this.writer.send(frame(frameType.ping, flag.ack, 0, bytes.subarray(start, end)));
        return;
      case frameType.goaway:
        this.goAway();
        return;
      case frameType.windowUpdate:
        return this.onWindowUpdate(streamId, bytes.readUInt32BE(start) & windowMax);
      case frameType.pushPromise:
        throw new ConnectionError(errorCode.protocolError, "PUSH_PROMISE from a client");
      default:
        return; // PRIORITY and unknown frame types change nothing
    }
  };

  private checkBlockBound(): void {
    if (this.continuing!.bytes > this.deps.limits.headerBlockBytesMax) {
      throw new ConnectionError(errorCode.enhanceYourCalm, `header block over ${this.deps.limits.headerBlockBytesMax} bytes`);
    }
  }

  private applySetting(id: number, value: number): void {
    if (id === setting.initialWindowSize) {
      if (value > windowMax) throw new ConnectionError(errorCode.flowControlError, "initial window over 2^31-1");
      const delta = value - this.peerStreamWindow;
      this.peerStreamWindow = value;
      this.streams.forEach((stream) => (stream.sendWindow += delta));
    } else if (id === setting.maxFrameSize) {
      if (value < frameSizeDefault || value > 2 ** 24 - 1) throw new ConnectionError(errorCode.protocolError, "max frame size out of range");
      this.peerFrameSizeMax = value;
    }
  }

  private onHeaderBlock(): void {
    const { streamId, endStream, fragments } = this.continuing!;
    this.continuing = undefined;
    const block = fragments.length === 1 ? fragments[0]! : Buffer.concat(fragments);
    // Every block is decoded, even one that is refused: HPACK state is per connection.
    const headers: Record<string, string> = Object.create(null) as Record<string, string>;
    let listBytes = 0;
    this.decoder.decode(block, 0, block.length, (name, value) => {
      listBytes += name.length + value.length + 32;
      headers[name] = name in headers ? `${headers[name]}, ${value}` : value;
    });
    const existing = this.streams.get(streamId);
    if (existing) {
      // Trailers from the client: they must end the stream; a call carries nothing in them.
      if (!endStream) throw new ConnectionError(errorCode.protocolError, "a second HEADERS without END_STREAM");
      return this.onClientEnd(existing);
    }
    if (streamId <= this.lastStreamId || streamId % 2 === 0) {
      throw new ConnectionError(errorCode.protocolError, `stream ${streamId} is not a new client stream`);
    }
    this.lastStreamId = streamId;
    if (this.goingAway || this.streams.size >= this.deps.limits.concurrentStreamsMax) {
      this.writer.send(frame(frameType.rstStream, 0, streamId, uint32(errorCode.refusedStream)));
      return;
    }
    const stream = new Stream(streamId, this.peerStreamWindow);
    this.streams.set(streamId, stream);
    if (listBytes > this.deps.limits.headerBlockBytesMax) {
      this.answerStatus(stream, status.RESOURCE_EXHAUSTED, "request headers too large");
      return;
    }
    const route = headers[":method"] === "POST" && isIdentityGrpc(headers) ? this.deps.routes.get(headers[":path"] ?? "") : undefined;
    if (route) stream.native = { route, headers, chunks: [], bytes: 0 };
    else this.passThrough(stream, headers, endStream);
    if (endStream) this.onClientEnd(stream);
  }

  private onData(flags: number, streamId: number, bytes: Buffer, start: number, end: number): void {
    if (streamId === 0) throw new ConnectionError(errorCode.protocolError, "DATA on stream 0");
    if (streamId > this.lastStreamId) throw new ConnectionError(errorCode.protocolError, "DATA on an idle stream");
    // Flow control counts the whole payload, padding included.
    this.receivedSinceRefill += end - start;
    if (this.receivedSinceRefill >= receiveWindowRefill) {
      this.writer.send(frame(frameType.windowUpdate, 0, 0, uint32(this.receivedSinceRefill)));
      this.receivedSinceRefill = 0;
    }
    const stream = this.streams.get(streamId);
    if (!stream || stream.clientEnded) return; // reset, refused or answered: nothing more is wanted
    const [from, to] = unpadded(flags, bytes, start, end);
    const native = stream.native;
    if (native) {
      native.bytes += to - from;
      if (native.bytes > this.deps.limits.maxReceiveMessageBytes + grpcMessagePrefixBytes) {
        // Answered at once; the stream is then forgotten and the client told to stop sending.
        this.answerStatus(stream, status.RESOURCE_EXHAUSTED, `Received message larger than max (${native.bytes - grpcMessagePrefixBytes} vs. ${this.deps.limits.maxReceiveMessageBytes})`);
        return;
      }
      native.chunks.push(Buffer.from(bytes.subarray(from, to)));
    } else if (stream.upstream && to > from) {
      const length = to - from;
      // The stream's window is given back as grpc-js takes the bytes, so a slow upstream slows the client.
      const credit = () => this.writer.send(frame(frameType.windowUpdate, 0, streamId, uint32(length)));
      if (stream.upstream.write(Buffer.from(bytes.subarray(from, to)))) credit();
      else stream.upstream.once("drain", credit);
    }
    if (flags & flag.endStream) this.onClientEnd(stream);
  }

  private onWindowUpdate(streamId: number, increment: number): void {
    if (increment === 0) throw new ConnectionError(errorCode.protocolError, "WINDOW_UPDATE of 0");
    if (streamId === 0) {
      this.sendWindow += increment;
      if (this.sendWindow > windowMax) throw new ConnectionError(errorCode.flowControlError, "connection window over 2^31-1");
      this.flushBlocked();
      return;
    }
    const stream = this.streams.get(streamId);
    if (!stream) return;
    stream.sendWindow += increment;
    if (stream.sendWindow > windowMax) {
      this.writer.send(frame(frameType.rstStream, 0, streamId, uint32(errorCode.flowControlError)));
      this.closeStream(stream, false);
      return;
    }
    this.flush(stream);
  }

  /** The client sent its last byte on the stream. */
  private onClientEnd(stream: Stream): void {
    stream.clientEnded = true;
    if (stream.upstream) {
      stream.upstream.end();
      return;
    }
    if (stream.native && !stream.native.call && !stream.serverEnded) this.dispatch(stream, stream.native);
  }

  private dispatch(stream: Stream, native: NonNullable<Stream["native"]>): void {
    const body = native.chunks.length === 1 ? native.chunks[0]! : Buffer.concat(native.chunks);
    native.chunks = [];
    if (body.length < grpcMessagePrefixBytes || body.readUInt32BE(1) !== body.length - grpcMessagePrefixBytes) {
      return this.answerStatus(stream, status.INTERNAL, "a unary call takes exactly one message");
    }
    if (body[0] !== 0) return this.answerStatus(stream, status.INTERNAL, "compressed message without grpc-encoding");
    let request: unknown;
    try {
      request = native.route.deserialize(body.subarray(grpcMessagePrefixBytes));
    } catch (err) {
      return this.answerStatus(stream, status.INTERNAL, `request could not be decoded: ${(err as Error).message}`);
    }
    const metadata = Metadata.fromHttp2Headers(native.headers);
    for (const name of transportHeaders) metadata.remove(name);
    const call: FrontCall = { request, metadata, cancelled: false };
    native.call = call;
    const callback: sendUnaryData<unknown> = (err, value, trailer) => {
      if (call.cancelled || stream.serverEnded) return;
      if (err) {
        const failure = err as Partial<ServiceError>;
        return this.answerStatus(stream, failure.code ?? status.UNKNOWN, failure.details ?? failure.message ?? "", failure.metadata);
      }
      let message: Buffer;
      try {
        message = native.route.serialize(value);
      } catch (serializeError) {
        return this.answerStatus(stream, status.INTERNAL, `response could not be encoded: ${(serializeError as Error).message}`);
      }
      const framed = Buffer.allocUnsafe(grpcMessagePrefixBytes + message.length);
      framed[0] = 0;
      framed.writeUInt32BE(message.length, 1);
      message.copy(framed, grpcMessagePrefixBytes);
      this.enqueue(stream, { kind: "headers", block: responseHeaders, endStream: false });
      this.enqueue(stream, { kind: "data", bytes: framed, endStream: false });
      this.enqueue(stream, { kind: "headers", block: trailerBlock(status.OK, "", trailer ?? undefined), endStream: true });
    };
    try {
      native.route.handle(call as unknown as ServerUnaryCall<unknown, unknown>, callback);
    } catch (err) {
      this.deps.logger.warn({ err, path: native.headers[":path"] }, "unary handler threw");
      this.answerStatus(stream, status.UNKNOWN, "the handler failed");
    }
  }

  /** Ends a stream with a status and no message (a trailers-only response). */
  private answerStatus(stream: Stream, code: status, details: string, metadata?: Metadata): void {
    const block = Buffer.concat([trailersOnlyStart, trailerBlock(code, details, metadata)]);
    this.enqueue(stream, { kind: "headers", block, endStream: true });
  }

  private passThrough(stream: Stream, headers: Record<string, string>, endStream: boolean): void {
    let upstream: http2.ClientHttp2Stream;
    try {
      upstream = this.deps.upstream.request(headers, endStream);
    } catch (err) {
      this.deps.logger.warn({ err }, "could not pass a stream to grpc-js");
      this.writer.send(frame(frameType.rstStream, 0, stream.id, uint32(errorCode.refusedStream)));
      this.streams.delete(stream.id);
      return;
    }
    stream.upstream = upstream;
    upstream.on("response", (responseHeaders: http2.IncomingHttpHeaders, flags: number) => {
      const endsStream = (flags & http2.constants.NGHTTP2_FLAG_END_STREAM) !== 0;
      this.enqueue(stream, { kind: "headers", block: headerBlock(responseHeaders), endStream: endsStream });
    });
    upstream.on("data", (chunk: Buffer) => {
      this.enqueue(stream, { kind: "data", bytes: chunk, endStream: false });
      if (stream.outBytes > this.deps.limits.passThroughBufferBytesMax) upstream.pause();
    });
    upstream.on("trailers", (trailers: http2.IncomingHttpHeaders) => this.enqueue(stream, { kind: "headers", block: headerBlock(trailers), endStream: true }));
    upstream.on("end", () => {
      // An answer that ended without trailers (not gRPC's way, but HTTP/2 allows it).
      if (!stream.serverEnded && !stream.answerQueued) this.enqueue(stream, { kind: "data", bytes: Buffer.alloc(0), endStream: true });
    });
    upstream.on("error", () => undefined); // "close" follows with the code
    upstream.on("close", () => {
      if (stream.serverEnded || stream.answerQueued || this.streams.get(stream.id) !== stream) return;
      this.writer.send(frame(frameType.rstStream, 0, stream.id, uint32(upstream.rstCode || errorCode.internalError)));
      this.closeStream(stream, false);
    });
  }

  private enqueue(stream: Stream, item: OutItem): void {
    if (stream.serverEnded || stream.answerQueued || this.streams.get(stream.id) !== stream) return;
    stream.out.push(item);
    if (item.kind === "data") stream.outBytes += item.bytes.length;
    this.flush(stream);
  }

  /** Writes what the windows allow of a stream's answer, in order. */
  private flush(stream: Stream): void {
    while (stream.out.length > 0) {
      const item = stream.out[0]!;
      if (item.kind === "headers") {
        this.writer.send(frame(frameType.headers, flag.endHeaders | (item.endStream ? flag.endStream : 0), stream.id, item.block));
      } else {
        const length = Math.min(item.bytes.length, this.sendWindow, stream.sendWindow, this.peerFrameSizeMax);
        if (length === 0 && item.bytes.length > 0) {
          this.blocked.add(stream);
          return;
        }
        const last = length === item.bytes.length;
        this.writer.send(frame(frameType.data, last && item.endStream ? flag.endStream : 0, stream.id, item.bytes.subarray(0, length)));
        this.sendWindow -= length;
        stream.sendWindow -= length;
        stream.outBytes -= length;
        if (!last) {
          item.bytes = item.bytes.subarray(length);
          continue;
        }
      }
      stream.out.shift();
      if (item.endStream) {
        stream.serverEnded = true;
        this.closeStream(stream, !stream.clientEnded);
        return;
      }
    }
    this.blocked.delete(stream);
    if (stream.upstream?.isPaused() && stream.outBytes <= this.deps.limits.passThroughBufferBytesMax / 2) stream.upstream.resume();
  }

  private flushBlocked(): void {
    for (const stream of [...this.blocked]) {
      if (this.sendWindow <= 0) return;
      this.flush(stream);
    }
  }

  /**
   * Forgets a stream. `resetClient`: the answer is complete but the client is still sending, so
   * it is told to stop (RST_STREAM NO_ERROR, RFC 9113 8.1).
   */
  private closeStream(stream: Stream, resetClient: boolean): void {
    if (this.streams.get(stream.id) !== stream) return;
    this.streams.delete(stream.id);
    this.blocked.delete(stream);
    if (resetClient) this.writer.send(frame(frameType.rstStream, 0, stream.id, uint32(errorCode.noError)));
    if (stream.native?.call) stream.native.call.cancelled = !stream.serverEnded;
    if (stream.upstream && !stream.upstream.closed) stream.upstream.close(http2.constants.NGHTTP2_CANCEL);
    this.endIfDone();
  }

  /** On a connection error or close: cancels the calls in flight and the streams passed through. */
  private abandonStreams(): void {
    const open: Stream[] = [];
    this.streams.forEach((stream) => open.push(stream));
    for (const stream of open) this.closeStream(stream, false);
  }

  private endIfDone(): void {
    if (this.goingAway && this.streams.size === 0 && !this.socket.writableEnded && !this.socket.destroyed) process.nextTick(() => this.socket.end());
  }
}

/** POST with a gRPC content type and no compression: what the front serves itself. */
function isIdentityGrpc(headers: Record<string, string>): boolean {
  const contentType = headers["content-type"] ?? "";
  const encoding = headers["grpc-encoding"];
  return (contentType === "application/grpc" || contentType.startsWith("application/grpc+proto") || contentType.startsWith("application/grpc;")) && (encoding === undefined || encoding === "identity");
}

/** grpc-status, grpc-message (percent-encoded, PROTOCOL-HTTP2.md) and the call's trailing metadata. */
function trailerBlock(code: status, details: string, metadata: Metadata | undefined): Buffer {
  const fields = code === status.OK ? [...grpcStatusOk] : literalField("grpc-status", String(code));
  if (details) fields.push(...literalField("grpc-message", encodeGrpcMessage(details)));
  if (metadata) fields.push(...metadataFields(metadata.toHttp2Headers()));
  return Buffer.from(fields);
}

function headerBlock(headers: http2.IncomingHttpHeaders): Buffer {
  return Buffer.from(metadataFields(headers));
}

function metadataFields(headers: http2.OutgoingHttpHeaders | http2.IncomingHttpHeaders): number[] {
  const fields: number[] = [];
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    for (const one of Array.isArray(value) ? value : [value]) fields.push(...literalField(name, String(one)));
  }
  return fields;
}

/** Percent-encodes what grpc-message may not carry as is: '%' and bytes outside 0x20-0x7E. */
function encodeGrpcMessage(details: string): string {
  return details.replace(/[^\x20-\x24\x26-\x7e]/gu, (char) => encodeURIComponent(char));
}
