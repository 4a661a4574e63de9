/**
 * The leanest unary gRPC client the load generator has: HTTP/2 frames written and read directly on
 * a TCP socket (RFC 9113), for cleartext prior-knowledge connections to one address. node:http2
 * builds a stream object, an async resource and several event emitters per call; here a call is
 * one buffer out (a HEADERS frame from a per-method cached header block, then the DATA frame) and
 * a map entry until its END_STREAM, and the frames of every call made in one turn of the event
 * loop leave in one write. That keeps the generators' CPU and garbage (whose collection pauses
 * stall the calls they time) small against the system under test on a two-core machine.
 *
 * What it implements of HTTP/2: the preface and SETTINGS exchange (advertising a header table of
 * size 0, so the server's HPACK encoder keeps no dynamic table; see hpack.ts), the server's
 * concurrent-stream limit and connection send window (calls wait for room), a connection receive
 * window it tops up, PING answers, RST_STREAM (mapped to a gRPC status as PROTOCOL-HTTP2.md says),
 * GOAWAY (calls the server did not take fail UNAVAILABLE; calls not yet sent and new ones go on a
 * new connection), and HEADERS split over CONTINUATION frames. What it leaves out, because the
 * bench sends neither: TLS, and messages larger than one frame or than a new stream's send window
 * (such a call fails INTERNAL without being sent).
 */
import net from "node:net";
import { status } from "@grpc/grpc-js";
import {
  errorCode,
  flag,
  frame,
  frameHeaderBytes,
  frameSizeDefault,
  frameType,
  type FrameHandler,
  HpackDecoder,
  indexedField,
  literalField,
  preface,
  setting,
  settingEntry,
  splitFrames,
  staticIndex,
  streamIdMax,
  TurnBatchedWriter,
  uint32,
  unpadded,
  windowDefault,
  windowMax,
  writeFrameHeader,
} from "@wallet/http2-raw";
import { frameMessage, grpcTimeoutHeader, unaryOutcome } from "./grpc-unary-protocol.js";
import { CallError, type UnaryMethod, type UnaryTransport } from "./unary-transport.js";

/** Received DATA bytes after which the connection window is topped back up. */
const receiveWindowRefill = 2 ** 30;

/** RST_STREAM and GOAWAY error codes to gRPC statuses (PROTOCOL-HTTP2.md, "Errors"). */
function statusOfHttp2Error(code: number): status {
  switch (code) {
    case errorCode.refusedStream: // the server did not process it, so it is safe to retry
      return status.UNAVAILABLE;
    case errorCode.cancel:
      return status.CANCELLED;
    case errorCode.enhanceYourCalm:
      return status.RESOURCE_EXHAUSTED;
    case 0xc: // INADEQUATE_SECURITY
      return status.PERMISSION_DENIED;
    default:
      return status.INTERNAL;
  }
}

interface PendingCall {
  streamId: number;
  deadlineMs: number;
  resolve(value: unknown): void;
  reject(err: CallError): void;
  deserialize(bytes: Buffer): unknown;
  /** The HEADERS and DATA frames, until they are written. */
  frames: Buffer | undefined;
  dataBytes: number;
  httpStatus: number | undefined;
  grpcStatus: string | undefined;
  grpcMessage: string | undefined;
  headersSeen: boolean;
  body: Buffer[];
}

/** One TCP connection and the calls on it. */
class Connection {
  private readonly socket: net.Socket;
  private readonly writer: TurnBatchedWriter;
  private incoming: Buffer = Buffer.alloc(0);
  /** Calls sent and not yet answered, by stream id (insertion order is send order). */
  readonly inFlight = new Map<number, PendingCall>();
  /** Calls waiting for a stream or for send window, oldest first. */
  readonly waiting: PendingCall[] = [];
  private nextStreamId = 1;
  private sendWindow = windowDefault;
  private receivedSinceRefill = 0;
  private concurrentMax = Infinity;
  private maxFrameSize = frameSizeDefault;
  /** The send window each new stream starts with; a call's DATA must fit in it. */
  private streamWindowInitial = windowDefault;
  /** A header block split over CONTINUATION frames: its stream and the fragments so far. */
  private continuing: { streamId: number; endStream: boolean; fragments: Buffer[] } | undefined;
  /** The server's header blocks; the client advertises a table of size 0, so it stays empty. */
  private readonly headerDecoder = new HpackDecoder(0);
  /** Set once the server's SETTINGS arrive; calls wait for them. */
  ready = false;
  /** No new calls: GOAWAY received, stream ids used up, or closing. */
  draining = false;
  closed = false;
  /** GOAWAY sent and the socket ending. */
  private ending = false;
  readonly whenReady: Promise<void>;
  private settleReady!: { resolve(): void; reject(err: Error): void };

  constructor(
    host: string,
    port: number,
    /** Told when the connection takes no more calls, with the calls it had not sent yet. */
    private readonly onDrained: (connection: Connection, unsent: PendingCall[]) => void,
  ) {
    this.whenReady = new Promise<void>(
      (resolve, reject) => (this.settleReady = { resolve, reject }),
    );
    this.whenReady.catch(() => {}); // a caller that never waits must not see an unhandled rejection
    this.socket = net.connect({ host, port, noDelay: true });
    this.writer = new TurnBatchedWriter(this.socket);
    this.socket.on("connect", () => {
      const settings = Buffer.concat([
        settingEntry(setting.headerTableSize, 0),
        settingEntry(setting.enablePush, 0),
        settingEntry(setting.initialWindowSize, windowMax),
      ]);
      this.send(preface);
      this.send(frame(frameType.settings, 0, 0, settings));
      this.send(frame(frameType.windowUpdate, 0, 0, uint32(windowMax - windowDefault)));
    });
    this.socket.on("data", (chunk: Buffer) => this.receive(chunk));
    this.socket.on("error", (err) => this.fail(status.UNAVAILABLE, err.message));
    this.socket.on("close", () => this.fail(status.UNAVAILABLE, "connection closed"));
  }

  /** Queues a call; it leaves when the connection is ready and has a stream and window for it. */
  start(call: PendingCall): void {
    this.waiting.push(call);
    if (this.ready) this.sendWaiting();
  }

  /** Fails calls past their deadline, cancelling the streams of those already sent. */
  expire(nowMs: number): void {
    for (const call of this.inFlight.values()) {
      if (call.deadlineMs > nowMs) break;
      this.inFlight.delete(call.streamId);
      this.send(frame(frameType.rstStream, 0, call.streamId, uint32(errorCode.cancel)));
      call.reject(deadlineExceeded());
    }
    while (this.waiting.length > 0 && this.waiting[0]!.deadlineMs <= nowMs)
      this.waiting.shift()!.reject(deadlineExceeded());
    this.sendWaiting();
    this.closeIfDrainedAndIdle();
  }

  /** Takes no new calls and closes once those in flight are answered; returns the unsent ones. */
  drain(): PendingCall[] {
    this.draining = true;
    const unsent = this.waiting.splice(0);
    this.closeIfDrainedAndIdle();
    return unsent;
  }

  private sendWaiting(): void {
    while (this.waiting.length > 0 && !this.draining) {
      const call = this.waiting[0]!;
      if (this.inFlight.size >= this.concurrentMax || call.dataBytes > this.sendWindow) return;
      if (this.nextStreamId > streamIdMax) {
        this.onDrained(this, this.drain());
        return;
      }
      this.waiting.shift();
      call.streamId = this.nextStreamId;
      this.nextStreamId += 2;
      const frames = call.frames!;
      call.frames = undefined;
      frames.writeUInt32BE(call.streamId, 5);
      frames.writeUInt32BE(call.streamId, frames.length - call.dataBytes - frameHeaderBytes + 5);
      this.sendWindow -= call.dataBytes;
      this.inFlight.set(call.streamId, call);
      this.send(frames);
    }
  }

  private send(bytes: Buffer): void {
    if (!this.closed) this.writer.send(bytes);
  }

  private receive(chunk: Buffer): void {
    try {
      // The client advertises no SETTINGS_MAX_FRAME_SIZE, so the default bounds what it accepts.
      this.incoming = splitFrames(this.incoming, chunk, frameSizeDefault, this.onFrame);
    } catch (err) {
      // A frame this client cannot read ends the connection, as a protocol error would.
      this.fail(status.INTERNAL, (err as Error).message);
      this.socket.destroy();
      return;
    }
    this.sendWaiting();
    this.closeIfDrainedAndIdle();
  }

  /** One frame, whose payload is [start, end) of `bytes` (views are made only where one is kept). */
  private readonly onFrame: FrameHandler = (type, flags, streamId, bytes, start, end) => {
    if (this.continuing && type !== frameType.continuation)
      throw new Error("expected a CONTINUATION frame");
    switch (type) {
      case frameType.data: {
        this.receivedSinceRefill += end - start;
        if (this.receivedSinceRefill >= receiveWindowRefill) {
          this.send(frame(frameType.windowUpdate, 0, 0, uint32(this.receivedSinceRefill)));
          this.receivedSinceRefill = 0;
        }
        const call = this.inFlight.get(streamId);
        if (!call) return; // a stream already failed at its deadline
        const [from, to] = unpadded(flags, bytes, start, end);
        call.body.push(bytes.subarray(from, to));
        if (flags & flag.endStream) this.finish(call);
        return;
      }
      case frameType.headers: {
        const [unpaddedFrom, to] = unpadded(flags, bytes, start, end);
        const from = flags & flag.priority ? unpaddedFrom + 5 : unpaddedFrom;
        const endStream = (flags & flag.endStream) !== 0;
        if (flags & flag.endHeaders) this.onHeaderBlock(streamId, endStream, bytes, from, to);
        else
          this.continuing = {
            streamId,
            endStream,
            fragments: [Buffer.from(bytes.subarray(from, to))],
          };
        return;
      }
      case frameType.continuation: {
        const continuing = this.continuing;
        if (!continuing || continuing.streamId !== streamId)
          throw new Error("CONTINUATION without its HEADERS");
        continuing.fragments.push(Buffer.from(bytes.subarray(start, end)));
        if (flags & flag.endHeaders) {
          this.continuing = undefined;
          const block = Buffer.concat(continuing.fragments);
          this.onHeaderBlock(streamId, continuing.endStream, block, 0, block.length);
        }
        return;
      }
      case frameType.rstStream: {
        const call = this.inFlight.get(streamId);
        if (!call) return;
        this.inFlight.delete(streamId);
        const code = bytes.readUInt32BE(start);
        call.reject(
          new CallError(
            statusOfHttp2Error(code),
            `stream reset by the server (HTTP/2 error ${code})`,
          ),
        );
        return;
      }
      case frameType.settings:
        if (flags & flag.ack) return;
        this.applySettings(bytes, start, end);
        this.send(frame(frameType.settings, flag.ack, 0, Buffer.alloc(0)));
        if (!this.ready) {
          this.ready = true;
          this.settleReady.resolve();
        }
        return;
      case frameType.ping:
        if (!(flags & flag.ack))
          this.send(frame(frameType.ping, flag.ack, 0, bytes.subarray(start, end)));
        return;
      case frameType.goaway: {
        const lastStreamId = bytes.readUInt32BE(start) & streamIdMax;
        const code = bytes.readUInt32BE(start + 4);
        for (const call of this.inFlight.values()) {
          if (call.streamId <= lastStreamId) continue;
          this.inFlight.delete(call.streamId);
          call.reject(
            new CallError(
              status.UNAVAILABLE,
              `the server is going away (HTTP/2 error ${code}) and did not take this call`,
            ),
          );
        }
        this.onDrained(this, this.drain());
        return;
      }
      case frameType.windowUpdate:
        if (streamId === 0) this.sendWindow += bytes.readUInt32BE(start) & windowMax;
        return;
      case frameType.pushPromise:
        throw new Error("PUSH_PROMISE although push is disabled");
      default:
        return; // PRIORITY and unknown frame types carry nothing a unary call needs
    }
  };

  private applySettings(bytes: Buffer, start: number, end: number): void {
    for (let at = start; at + 6 <= end; at += 6) {
      const id = bytes.readUInt16BE(at);
      const value = bytes.readUInt32BE(at + 2);
      if (id === setting.maxConcurrentStreams) this.concurrentMax = value;
      else if (id === setting.maxFrameSize) this.maxFrameSize = value;
      else if (id === setting.initialWindowSize) this.streamWindowInitial = value;
    }
  }

  /** The largest message a call may carry: one DATA frame, within a new stream's window. */
  get messageBytesMax(): number {
    return Math.min(this.maxFrameSize, this.streamWindowInitial);
  }

  private onHeaderBlock(
    streamId: number,
    endStream: boolean,
    block: Buffer,
    start: number,
    end: number,
  ): void {
    const call = this.inFlight.get(streamId);
    // The block is decoded even for a stream no one waits for: HPACK is per connection.
    const first = call ? !call.headersSeen : false;
    this.headerDecoder.decode(
      block,
      start,
      end,
      (name, value) => {
        if (!call) return;
        if (name === ":status" && first) call.httpStatus = Number(value);
        else if (name === "grpc-status") call.grpcStatus = value;
        else if (name === "grpc-message") call.grpcMessage = value;
      },
      readsValueOf,
    );
    if (!call) return;
    call.headersSeen = true;
    if (endStream) this.finish(call);
  }

  private finish(call: PendingCall): void {
    this.inFlight.delete(call.streamId);
    const outcome = unaryOutcome(
      { httpStatus: call.httpStatus, grpcStatus: call.grpcStatus, grpcMessage: call.grpcMessage },
      call.body,
      call.deserialize,
    );
    if (outcome instanceof CallError) call.reject(outcome);
    else call.resolve(outcome);
  }

  private closeIfDrainedAndIdle(): void {
    if (this.draining && !this.closed && !this.ending && this.inFlight.size === 0) {
      this.ending = true;
      // Its last-stream-id names the peer's streams processed: the server opened none (no push).
      this.send(frame(frameType.goaway, 0, 0, Buffer.concat([uint32(0), uint32(0)])));
      process.nextTick(() => this.socket.end());
    }
  }

  private fail(code: status, why: string): void {
    if (this.closed) return;
    this.closed = true;
    this.draining = true;
    this.settleReady.reject(new CallError(code, why));
    for (const call of this.inFlight.values()) call.reject(new CallError(code, why));
    this.inFlight.clear();
    for (const call of this.waiting.splice(0)) call.reject(new CallError(code, why));
    this.onDrained(this, []);
  }
}

const readValues = new Set([":status", "grpc-status", "grpc-message"]);
const readsValueOf = (name: string) => readValues.has(name);

const deadlineExceeded = () =>
  new CallError(status.DEADLINE_EXCEEDED, "no answer within the deadline");

export function createFramesTransport(address: string, callDeadlineMs: number): UnaryTransport {
  const { hostname: host, port } = new URL(`http://${address}`);
  const timeoutHeader = grpcTimeoutHeader(callDeadlineMs);
  /** Header blocks by method path: the same bytes for every call of a method. */
  const headerBlocks = new Map<string, Buffer>();
  let connection: Connection | undefined;
  /** Connections that take no new calls but still have calls in flight. */
  const draining = new Set<Connection>();
  let closing = false;

  const headerBlockOf = (path: string): Buffer => {
    let block = headerBlocks.get(path);
    if (!block) {
      block = Buffer.from([
        ...indexedField(staticIndex.methodPost),
        ...indexedField(staticIndex.schemeHttp),
        ...literalField(staticIndex.path, path),
        ...literalField(staticIndex.authority, address),
        ...literalField(staticIndex.contentType, "application/grpc"),
        ...literalField("te", "trailers"),
        ...literalField("grpc-timeout", timeoutHeader),
      ]);
      headerBlocks.set(path, block);
    }
    return block;
  };

  const cancelled = () => new CallError(status.CANCELLED, "the transport is closed");

  // Calls a draining connection never sent go out on the next one (GOAWAY, stream ids used up).
  const onDrained = (drained: Connection, unsent: PendingCall[]) => {
    if (connection === drained) connection = undefined;
    if (!drained.closed) draining.add(drained);
    for (const call of unsent) {
      if (closing) call.reject(cancelled());
      else current().start(call);
    }
  };

  const current = (): Connection => {
    if (!connection || connection.draining)
      connection = new Connection(host, Number(port), onDrained);
    return connection;
  };

  // Deadlines share one duration, so calls expire in send order; one timer checks them all.
  const sweepIntervalMs = Math.max(5, Math.min(250, Math.floor(callDeadlineMs / 10)));
  const sweep = setInterval(() => {
    const nowMs = performance.now();
    if (connection) connection.expire(nowMs);
    for (const old of draining) {
      old.expire(nowMs);
      if (old.closed || old.inFlight.size === 0) draining.delete(old);
    }
    // After close(), it runs until the last call in flight is answered or expires.
    if (closing && !connection && draining.size === 0) clearInterval(sweep);
  }, sweepIntervalMs);
  sweep.unref();

  function call<Req, Res>(method: UnaryMethod<Req, Res>, request: Req): Promise<Res> {
    return new Promise<Res>((resolve, reject) => {
      if (closing) {
        reject(cancelled());
        return;
      }
      let message: Buffer;
      try {
        message = frameMessage(method.requestSerialize(request));
      } catch (err) {
        reject(
          new CallError(status.INTERNAL, `request does not encode: ${(err as Error).message}`),
        );
        return;
      }
      const target = current();
      if (message.length > target.messageBytesMax) {
        reject(
          new CallError(
            status.INTERNAL,
            `a ${message.length}-byte message needs more than one DATA frame, which this client does not send`,
          ),
        );
        return;
      }
      const block = headerBlockOf(method.path);
      const frames = Buffer.allocUnsafe(2 * frameHeaderBytes + block.length + message.length);
      writeFrameHeader(frames, 0, block.length, frameType.headers, flag.endHeaders, 0);
      block.copy(frames, frameHeaderBytes);
      writeFrameHeader(
        frames,
        frameHeaderBytes + block.length,
        message.length,
        frameType.data,
        flag.endStream,
        0,
      );
      message.copy(frames, 2 * frameHeaderBytes + block.length);
      target.start({
        streamId: 0,
        deadlineMs: performance.now() + callDeadlineMs,
        resolve: resolve,
        reject,
        deserialize: method.responseDeserialize,
        frames,
        dataBytes: message.length,
        httpStatus: undefined,
        grpcStatus: undefined,
        grpcMessage: undefined,
        headersSeen: false,
        body: [],
      });
    });
  }

  return {
    call,
    waitForReady: (timeoutMs) =>
      new Promise<void>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new CallError(status.UNAVAILABLE, `not connected within ${timeoutMs} ms`)),
          timeoutMs,
        );
        current().whenReady.then(
          () => {
            clearTimeout(timer);
            resolve();
          },
          (err: unknown) => {
            clearTimeout(timer);
            reject(err);
          },
        );
      }),
    close: () => {
      closing = true;
      if (connection) onDrained(connection, connection.drain());
    },
  };
}
