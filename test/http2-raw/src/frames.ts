import type net from "node:net";

/**
 * HTTP/2 framing (RFC 9113 sections 4 and 6) for test tooling: the bench's frames client and the
 * raw client the fault suite writes hostile frames with. Frame layout, the constants they use,
 * splitting a byte stream into frames, and writing a turn's frames in one write.
 */

/** The client connection preface (RFC 9113 3.4). */
export const preface = Buffer.from("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", "latin1");
export const frameHeaderBytes = 9;
export const frameType = {
  data: 0,
  headers: 1,
  rstStream: 3,
  settings: 4,
  pushPromise: 5,
  ping: 6,
  goaway: 7,
  windowUpdate: 8,
  continuation: 9,
} as const;
export const flag = {
  endStream: 0x1,
  ack: 0x1,
  endHeaders: 0x4,
  padded: 0x8,
  priority: 0x20,
} as const;
export const setting = {
  headerTableSize: 0x1,
  enablePush: 0x2,
  maxConcurrentStreams: 0x3,
  initialWindowSize: 0x4,
  maxFrameSize: 0x5,
  maxHeaderListSize: 0x6,
} as const;
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

export function frame(
  type: number,
  flags: number,
  streamId: number,
  payload: Uint8Array = Buffer.alloc(0),
): Buffer {
  const out = Buffer.allocUnsafe(frameHeaderBytes + payload.length);
  writeFrameHeader(out, 0, payload.length, type, flags, streamId);
  out.set(payload, frameHeaderBytes);
  return out;
}

export function writeFrameHeader(
  out: Buffer,
  at: number,
  length: number,
  type: number,
  flags: number,
  streamId: number,
): void {
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
export function unpadded(
  flags: number,
  bytes: Buffer,
  start: number,
  end: number,
): [number, number] {
  if (!(flags & flag.padded)) return [start, end];
  if (start >= end) throw new Error("padded frame without its pad length");
  const padLength = bytes[start]!;
  if (padLength >= end - start) throw new Error("padding longer than the frame");
  return [start + 1, end - padLength];
}

/** Called with each whole frame; its payload is [start, end) of `bytes`, valid only during the call. */
export type FrameHandler = (
  type: number,
  flags: number,
  streamId: number,
  bytes: Buffer,
  start: number,
  end: number,
) => void;

/**
 * Hands every whole frame of `pending` + `chunk` to `onFrame` and returns the frame not yet
 * complete (copied, so the chunk is not kept). A frame longer than `frameBytesMax` throws before
 * it is buffered, as does whatever `onFrame` throws.
 */
export function splitFrames(
  pending: Buffer,
  chunk: Buffer,
  frameBytesMax: number,
  onFrame: FrameHandler,
): Buffer {
  const bytes = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
  let at = 0;
  while (bytes.length - at >= frameHeaderBytes) {
    const length = bytes.readUIntBE(at, 3);
    if (length > frameBytesMax)
      throw new Error(`a ${length}-byte frame exceeds the ${frameBytesMax} allowed`);
    if (bytes.length - at < frameHeaderBytes + length) break;
    const start = at + frameHeaderBytes;
    onFrame(
      bytes[at + 3]!,
      bytes[at + 4]!,
      bytes.readUInt32BE(at + 5) & streamIdMax,
      bytes,
      start,
      start + length,
    );
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
  private flushScheduled = false;

  constructor(private readonly socket: net.Socket) {}

  send(bytes: Buffer): void {
    this.outgoing.push(bytes);
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    process.nextTick(this.flush);
  }

  private readonly flush = (): void => {
    this.flushScheduled = false;
    const batch = this.outgoing.length === 1 ? this.outgoing[0]! : Buffer.concat(this.outgoing);
    this.outgoing.length = 0;
    if (this.socket.destroyed || this.socket.writableEnded || batch.length === 0) return;
    this.socket.write(batch);
  };
}
