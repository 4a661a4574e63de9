/**
 * The frames-noop server: answers every gRPC call at once with an empty message, reading and
 * writing HTTP/2 frames on its TCP connections itself, with neither node:http2 nor grpc-js. It is
 * the floor of the bench's RPC baselines: what a Node process serving unary calls costs, and the
 * latency tail it has, on this machine. grpc-noop measures the same calls through grpc-js on
 * node:http2, whose every request header value is an external string only a full garbage
 * collection frees; here a call allocates a few small buffers.
 *
 * It never decodes a header block (every call gets the same answer, whatever its path), so it
 * serves any client whatever its HPACK state. What it keeps of HTTP/2: the SETTINGS exchange, PING
 * answers, its own receive windows (kept open) and the client's connection send window (answers
 * wait for room), RST_STREAM (the stream is forgotten) and GOAWAY both ways. A stream whose new
 * window cannot take the 5-byte message is refused (REFUSED_STREAM); the bench's clients all
 * open windows far larger.
 */
import net from "node:net";
import {
  ClientPrefaceGate,
  closeGracefully,
  type ClosableConnection,
  errorCode,
  flag,
  frame,
  frameSizeDefault,
  FrameSizeError,
  frameType,
  setting,
  settingEntry,
  splitFrames,
  TurnBatchedWriter,
  uint32,
  windowDefault,
  windowMax,
  indexedField,
  literalField,
  staticIndex,
} from "@wallet/http2-wire";

export interface FramesNoopServer {
  readonly port: number;
  /**
   * Sends GOAWAY on every connection, answers what they already sent, and stops listening;
   * connections still open after `graceMs` (a client that never finishes a stream) are cut.
   */
  close(graceMs: number): Promise<void>;
}

export interface FramesNoopOptions {
  host: string;
  port: number;
  /** SETTINGS_MAX_CONCURRENT_STREAMS: streams a connection may have open at once. */
  concurrentStreamsMax: number;
}

const statusOk = 8; // ":status: 200" in the static table
const responseHeaders = Buffer.from([...indexedField(statusOk), ...literalField(staticIndex.contentType, "application/grpc")]);
const emptyMessage = Buffer.from([0, 0, 0, 0, 0]); // not compressed, 0 bytes
const okTrailers = Buffer.from(literalField("grpc-status", "0"));
/** Received DATA bytes after which a connection's receive window is topped back up. */
const receiveWindowRefill = 2 ** 30;

export function listenFramesNoop(options: FramesNoopOptions): Promise<FramesNoopServer> {
  const connections = new Set<NoopConnection>();
  const server = net.createServer((socket) => {
    const connection = new NoopConnection(socket, options.concurrentStreamsMax, () => connections.delete(connection));
    connections.add(connection);
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host, () => {
      const address = server.address() as net.AddressInfo;
      resolve({
        port: address.port,
        close: (graceMs) => closeGracefully(server, connections, graceMs),
      });
    });
  });
}

class NoopConnection implements ClosableConnection {
  private incoming: Buffer = Buffer.alloc(0);
  private readonly writer: TurnBatchedWriter;
  private readonly prefaceGate = new ClientPrefaceGate();
  /** Streams the client opened that are not answered (or reset) yet. */
  private readonly open = new Set<number>();
  /** Streams whose answer waits for the client's connection window. */
  private readonly waiting: number[] = [];
  private sendWindow = windowDefault;
  private streamWindowInitial = windowDefault;
  private receivedSinceRefill = 0;
  private lastStreamId = 0;
  /** A header block continues in CONTINUATION frames; set to whether it ends its stream. */
  private continuingEndsStream: boolean | undefined;
  private goingAway = false;

  constructor(
    private readonly socket: net.Socket,
    private readonly concurrentStreamsMax: number,
    onClose: () => void,
  ) {
    socket.setNoDelay(true);
    this.writer = new TurnBatchedWriter(socket);
    this.send(frame(frameType.settings, 0, 0, Buffer.concat([settingEntry(setting.maxConcurrentStreams, concurrentStreamsMax), settingEntry(setting.initialWindowSize, windowMax)])));
    this.send(frame(frameType.windowUpdate, 0, 0, uint32(windowMax - windowDefault)));
    socket.on("data", (chunk: Buffer) => this.receive(chunk));
    socket.on("error", () => socket.destroy());
    socket.on("close", onClose);
  }

  /** A graceful GOAWAY answers the streams already taken first; an error's ends the connection now. */
  goAway(code: number = errorCode.noError): void {
    if (this.goingAway) return;
    this.goingAway = true;
    this.send(frame(frameType.goaway, 0, 0, Buffer.concat([uint32(this.lastStreamId), uint32(code)])));
    if (code !== errorCode.noError) this.open.clear();
    this.endWhenAnswered();
  }

  destroy(): void {
    this.socket.destroy();
  }

  private receive(chunk: Buffer): void {
    const bytes = this.prefaceGate.pass(chunk);
    if (bytes === null) return void this.socket.destroy();
    if (this.goingAway && this.open.size === 0) return; // ending: nothing more is read
    try {
      this.incoming = splitFrames(this.incoming, bytes, frameSizeDefault, this.onFrame);
    } catch (err) {
      this.goAway(err instanceof FrameSizeError ? errorCode.frameSizeError : errorCode.protocolError);
    }
  }

  private readonly onFrame = (type: number, flags: number, streamId: number, bytes: Buffer, start: number, end: number): void => {
    if (this.continuingEndsStream !== undefined && type !== frameType.continuation) throw new Error("expected a CONTINUATION frame");
    switch (type) {
      case frameType.headers:
        if (this.goingAway || streamId <= this.lastStreamId || streamId % 2 === 0) return; // not a new stream we take
        this.lastStreamId = streamId;
        if (this.open.size >= this.concurrentStreamsMax || this.streamWindowInitial < emptyMessage.length) {
          this.send(frame(frameType.rstStream, 0, streamId, uint32(errorCode.refusedStream)));
          return;
        }
        this.open.add(streamId);
        if (flags & flag.endHeaders) this.onRequestHalf(streamId, (flags & flag.endStream) !== 0);
        else this.continuingEndsStream = (flags & flag.endStream) !== 0;
        return;
      case frameType.continuation:
        if (this.continuingEndsStream === undefined) throw new Error("CONTINUATION without its HEADERS");
        if (flags & flag.endHeaders) {
          const endsStream = this.continuingEndsStream;
          this.continuingEndsStream = undefined;
          this.onRequestHalf(streamId, endsStream);
        }
        return;
      case frameType.data:
        this.receivedSinceRefill += end - start;
        if (this.receivedSinceRefill >= receiveWindowRefill) {
          this.send(frame(frameType.windowUpdate, 0, 0, uint32(this.receivedSinceRefill)));
          this.receivedSinceRefill = 0;
        }
        if (flags & flag.endStream) this.onRequestHalf(streamId, true);
        return;
      case frameType.rstStream:
        this.open.delete(streamId);
        return;
      case frameType.settings:
        if (flags & flag.ack) return;
        for (let at = start; at + 6 <= end; at += 6) {
          if (bytes.readUInt16BE(at) === setting.initialWindowSize) this.streamWindowInitial = bytes.readUInt32BE(at + 2);
        }
        this.send(frame(frameType.settings, flag.ack, 0, Buffer.alloc(0)));
        return;
      case frameType.ping:
        if (!(flags & flag.ack)) this.send(frame(frameType.ping, flag.ack, 0, bytes.subarray(start, end)));
        return;
      case frameType.windowUpdate:
        if (streamId === 0) {
          this.sendWindow += bytes.readUInt32BE(start) & windowMax;
          this.answerWaiting();
        }
        return;
      case frameType.goaway:
        this.goAway();
        return;
      default:
        return; // PRIORITY and unknown frame types change nothing here
    }
  };

  /** The client finished a stream's headers; `endsStream` when it also sent its last DATA. */
  private onRequestHalf(streamId: number, endsStream: boolean): void {
    if (!endsStream || !this.open.has(streamId)) return;
    this.waiting.push(streamId);
    this.answerWaiting();
  }

  private answerWaiting(): void {
    while (this.waiting.length > 0 && this.sendWindow >= emptyMessage.length) {
      const streamId = this.waiting.shift()!;
      if (!this.open.delete(streamId)) continue; // reset while it waited
      this.sendWindow -= emptyMessage.length;
      this.send(frame(frameType.headers, flag.endHeaders, streamId, responseHeaders));
      this.send(frame(frameType.data, 0, streamId, emptyMessage));
      this.send(frame(frameType.headers, flag.endHeaders | flag.endStream, streamId, okTrailers));
    }
    this.endWhenAnswered();
  }

  private endWhenAnswered(): void {
    if (this.goingAway && this.open.size === 0) process.nextTick(() => this.socket.end());
  }

  private send(bytes: Buffer): void {
    this.writer.send(bytes);
  }
}
