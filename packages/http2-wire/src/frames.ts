import type net from "node:net";

/**
 * HTTP/2 framing (RFC 9113 sections 4 and 6) shared by the wallet's gRPC front and the bench's
 * frames-level client and no-op server: frame layout, the constants they use, splitting a byte
 * stream into frames, and writing a turn's frames in one write.
 */

/** The client connection preface (RFC 9113 3.4). */
export const preface = Buffer.from("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", "latin1");
export const frameHeaderBytes = 9;
export const frameType = { data: 0, headers: 1, rstStream: 3, settings: 4, pushPromise: 5, ping: 6, goaway: 7, windowUpdate: 8, continuation: 9 } as const;
export const flag = { endStream: 0x1, ack: 0x1, endHeaders: 0x4, padded: 0x8, priority: 0x20 } as const;
export const setting = { headerTableSize: 0x1, enablePush: 0x2, maxConcurrentStreams: 0x3, initialWindowSize: 0x4, maxFrameSize: 0x5, maxHeaderListSize: 0x6 } as const;
export const errorCode = {
  noError: 0x0,
  protocolError: 0x1,
  internalError: 0x2,
  flowControlError: 0x3,
  frameSizeError: 0x6,
  refusedStream: 0x7,
  cancel: 0x8,
  compressionError: 0x9,
  enhanceYourCalm: 0xb,
} as const;
/** The largest flow-control window and stream id HTTP/2 allows. */
export const windowMax = 2 ** 31 - 1;
export const streamIdMax = 2 ** 31 - 1;
/** The window every stream and connection starts with. */
export const windowDefault = 65_535;
/** The frame size every peer must accept. */
export const frameSizeDefault = 16_384;

export function frame(type: number, flags: number, streamId: number, payload: Uint8Array = Buffer.alloc(0)): Buffer {
  const out = Buffer.allocUnsafe(frameHeaderBytes + payload.length);
  writeFrameHeader(out, 0, payload.length, type, flags, streamId);
  out.set(payload, frameHeaderBytes);
  return out;
}

export function writeFrameHeader(out: Buffer, at: number, length: number, type: number, flags: number, streamId: number): void {
  out.writeUIntBE(length, at, 3);
  out[at + 3] = type;
  out[at + 4] = flags;
  out.writeUInt32BE(streamId, at + 5);
}

export const uint32 = (value: number) => {
  const out = Buffer.allocUnsafe(4);
  out.writeUInt32BE(value);
  return out;
};

export function settingEntry(id: number, value: number): Buffer {
  const out = Buffer.allocUnsafe(6);
  out.writeUInt16BE(id, 0);
  out.writeUInt32BE(value, 2);
  return out;
}

/** The range of a DATA or HEADERS payload [start, end) without its padding (RFC 9113 6.1). */
export function unpadded(flags: number, bytes: Buffer, start: number, end: number): [number, number] {
  if (!(flags & flag.padded)) return [start, end];
  if (start >= end) throw new Error("padded frame without its pad length");
  const padLength = bytes[start]!;
  if (padLength >= end - start) throw new Error("padding longer than the frame");
  return [start + 1, end - padLength];
}

/** Called with each whole frame; its payload is [start, end) of `bytes`, valid only during the call. */
/** A frame longer than the receiver accepts: a connection error of type FRAME_SIZE_ERROR (RFC 9113 4.2). */
export class FrameSizeError extends Error {
  override name = "FrameSizeError";
}

export type FrameHandler = (type: number, flags: number, streamId: number, bytes: Buffer, start: number, end: number) => void;

/**
 * Hands every whole frame of `pending` + `chunk` to `onFrame` and returns the bytes not handed
 * over (copied, so the chunk is not kept): the frame not yet complete, or everything from the
 * frame before which `stopBefore` answered true. A frame longer than `frameBytesMax` throws before
 * it is buffered, as does whatever `onFrame` throws.
 */
export function splitFrames(pending: Buffer, chunk: Buffer, frameBytesMax: number, onFrame: FrameHandler, stopBefore?: () => boolean): Buffer {
  const bytes = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
  let at = 0;
  while (bytes.length - at >= frameHeaderBytes && !stopBefore?.()) {
    const length = bytes.readUIntBE(at, 3);
    if (length > frameBytesMax) throw new FrameSizeError(`a ${length}-byte frame exceeds the ${frameBytesMax} allowed`);
    if (bytes.length - at < frameHeaderBytes + length) break;
    const start = at + frameHeaderBytes;
    onFrame(bytes[at + 3]!, bytes[at + 4]!, bytes.readUInt32BE(at + 5) & streamIdMax, bytes, start, start + length);
    at += frameHeaderBytes + length;
  }
  return at === bytes.length ? Buffer.alloc(0) : Buffer.from(bytes.subarray(at));
}

/**
 * Writes a socket's frames in batches: everything sent in one turn of the event loop leaves in one
 * write (one syscall, one TCP segment where it fits) instead of one per frame.
 */
export class TurnBatchedWriter {
  private readonly outgoing: Buffer[] = [];
  private outgoingBytes = 0;
  private flushScheduled = false;

  constructor(private readonly socket: net.Socket) {}

  /** Bytes sent and not yet written to the kernel: this turn's, and what the socket buffers. */
  get pendingBytes(): number {
    return this.outgoingBytes + this.socket.writableLength;
  }

  send(bytes: Buffer): void {
    this.outgoing.push(bytes);
    this.outgoingBytes += bytes.length;
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    process.nextTick(this.flush);
  }

  private readonly flush = (): void => {
    this.flushScheduled = false;
    const batch = this.outgoing.length === 1 ? this.outgoing[0]! : Buffer.concat(this.outgoing);
    this.outgoing.length = 0;
    this.outgoingBytes = 0;
    if (this.socket.destroyed || this.socket.writableEnded || batch.length === 0) return;
    this.socket.write(batch);
  };
}

/**
 * A server connection's first bytes: holds them until the client preface (RFC 9113 3.4) is
 * complete, then passes everything after it through.
 */
export class ClientPrefaceGate {
  private seen = false;
  private held: Buffer = Buffer.alloc(0);

  /** The bytes after the preface (empty while it is incomplete); null when the peer sent something else. */
  pass(chunk: Buffer): Buffer | null {
    if (this.seen) return chunk;
    const bytes = this.held.length === 0 ? chunk : Buffer.concat([this.held, chunk]);
    if (bytes.length < preface.length) {
      if (!bytes.equals(preface.subarray(0, bytes.length))) return null;
      this.held = bytes;
      return Buffer.alloc(0);
    }
    if (!bytes.subarray(0, preface.length).equals(preface)) return null;
    this.seen = true;
    this.held = Buffer.alloc(0);
    return bytes.subarray(preface.length);
  }
}

/** A server connection that can end gracefully (GOAWAY, then close once answered) or be cut. */
export interface ClosableConnection {
  goAway(): void;
  destroy(): void;
}

/**
 * Stops `server` taking connections, sends GOAWAY on each of `connections`, and resolves once they
 * have all closed; those still open after `graceMs` are cut.
 */
export function closeGracefully(server: net.Server, connections: Iterable<ClosableConnection>, graceMs: number): Promise<void> {
  return new Promise<void>((resolve) => {
    const cut = setTimeout(() => {
      for (const connection of connections) connection.destroy();
    }, graceMs);
    server.close(() => {
      clearTimeout(cut);
      resolve();
    });
    for (const connection of connections) connection.goAway();
  });
}
