import net from "node:net";
import { flag, frame, frameType, preface, setting, settingEntry } from "./frames.js";

/** A frame as a raw test client received it. */
export interface ReceivedFrame {
  type: number;
  flags: number;
  streamId: number;
  payload: Buffer;
}

/** The first GOAWAY the server sent, and how far the client had got when it arrived. */
export interface ReceivedGoaway {
  code: number;
  lastStreamId: number;
  /** Milliseconds from connect to its arrival. */
  atMs: number;
  framesSentBefore: number;
  bytesSentBefore: number;
}

export interface RawClientOptions {
  /** Send the client preface and a SETTINGS frame (with `settings`); true by default. */
  sendPreface?: boolean;
  settings?: [number, number][];
  /** Answer the server's SETTINGS with an ACK, as a real client must; off by default. */
  ackSettings?: boolean;
  /**
   * Never read the socket (until `resume`): the server's answers pile up in its own buffers, as
   * for a client that floods while not reading.
   */
  paused?: boolean;
  /** Frames kept in `frames`; the counts stay exact past it, so a flood of answers costs no memory. */
  framesKeptMax?: number;
  /** Bound on one received frame; a longer one closes the connection (the test reads it as an answer). */
  frameBytesMax?: number;
  connectTimeoutMs?: number;
}

/** What a raw client has seen of its connection so far. */
export interface RawClientState {
  bytesSent: number;
  framesSent: number;
  bytesReceived: number;
  goaway: ReceivedGoaway | undefined;
  /** Milliseconds from connect to the socket's close; undefined while open. */
  closedAtMs: number | undefined;
  /** The socket error that ended the connection (ECONNRESET, EPIPE), if any. */
  error: string | undefined;
  /** The server sent GOAWAY or the socket closed: sending more is pointless. */
  ended: boolean;
}

export interface RawClient extends Readonly<RawClientState> {
  socket: net.Socket;
  /** The first `framesKeptMax` frames received. */
  frames: ReceivedFrame[];
  closed: Promise<void>;
  /** RST_STREAM frames received, by error code. */
  readonly resets: ReadonlyMap<number, number>;
  /** Frames received of a type, with all of `flags` set when given. */
  count(type: number, flags?: number): number;
  /** Polls until `what` holds, at most 5 s; throws past it. */
  until(what: () => boolean): Promise<void>;
  /** Polls until `what` holds or `timeoutMs` passed; says whether it held. */
  waitFor(what: () => boolean, timeoutMs: number): Promise<boolean>;
  /** Writes `bytes` (holding `frames` frames) and counts them; false once the socket is gone. */
  send(bytes: Buffer, frames?: number): boolean;
  /** Runs `write`'s sends as one write to the socket (corked), instead of one syscall per frame. */
  batch(write: () => void): void;
  /** DATA on `streamId`, counted against the flow-control windows the server granted. */
  sendData(streamId: number, payload: Uint8Array, flags?: number): boolean;
  /** Bytes of DATA the windows allow on `streamId` now (the connection's and the stream's); 0 is the connection's alone. */
  window(streamId: number): number;
  /** The server reset `streamId`, which this client had sent DATA on without ending it. */
  streamReset(streamId: number): boolean;
  /**
   * Yields to the event loop, and while more than `highWaterBytes` wait unsent in the socket (the
   * server is not reading) waits for them to drain, at most until `deadline` (epoch ms). Says
   * whether the socket can take more.
   */
  pace(deadline: number, highWaterBytes?: number): Promise<boolean>;
  /** Milliseconds since connect. */
  elapsedMs(): number;
  pause(): void;
  resume(): void;
  close(): void;
}

const frameHeaderBytes = 9;
const windowDefault = 65_535;
const streamIdMask = 0x7fffffff;
const highWaterBytesDefault = 1024 * 1024;

/**
 * For tests of HTTP/2 servers: a client on a bare loopback socket that records the frames the
 * server sends (a bounded number of them, with exact counts) and writes whatever the test gives
 * it, valid or not. It sends the preface and a SETTINGS frame with `settings` (id, value) unless
 * told not to.
 */
export async function connectRawClient(
  port: number,
  options: RawClientOptions = {},
): Promise<RawClient> {
  const started = Date.now();
  const socket = net.connect({ host: "127.0.0.1", port });
  const framesKeptMax = options.framesKeptMax ?? 10_000;
  const frameBytesMax = options.frameBytesMax ?? 1 << 24;
  const frames: ReceivedFrame[] = [];
  const counts = new Map<number, Map<number, number>>(); // type -> flags -> frames
  const resets = new Map<number, number>();
  let pending: Buffer = Buffer.alloc(0);
  const state: RawClientState = {
    bytesSent: 0,
    framesSent: 0,
    bytesReceived: 0,
    goaway: undefined,
    closedAtMs: undefined,
    error: undefined,
    ended: false,
  };
  // Flow control of what this client sends (RFC 9113 6.9): the server grants, DATA spends.
  let connectionWindow = windowDefault;
  let streamWindowInitial = windowDefault;
  const streamSpent = new Map<number, number>();
  const streamGranted = new Map<number, number>();
  const resetStreams = new Set<number>();

  const onFrame = (type: number, flags: number, streamId: number, payload: Buffer) => {
    const byFlags = counts.get(type) ?? new Map<number, number>();
    byFlags.set(flags, (byFlags.get(flags) ?? 0) + 1);
    counts.set(type, byFlags);
    if (frames.length < framesKeptMax)
      frames.push({ type, flags, streamId, payload: Buffer.from(payload) });
    if (type === frameType.goaway && !state.goaway && payload.length >= 8) {
      state.goaway = {
        code: payload.readUInt32BE(4),
        lastStreamId: payload.readUInt32BE(0) & streamIdMask,
        atMs: Date.now() - started,
        framesSentBefore: state.framesSent,
        bytesSentBefore: state.bytesSent,
      };
      state.ended = true;
    } else if (type === frameType.rstStream && payload.length === 4) {
      const code = payload.readUInt32BE(0);
      resets.set(code, (resets.get(code) ?? 0) + 1);
      if (streamSpent.has(streamId)) resetStreams.add(streamId);
      streamSpent.delete(streamId);
      streamGranted.delete(streamId);
    } else if (type === frameType.windowUpdate && payload.length === 4) {
      const increment = payload.readUInt32BE(0) & streamIdMask;
      if (streamId === 0) connectionWindow += increment;
      else streamGranted.set(streamId, (streamGranted.get(streamId) ?? 0) + increment);
    } else if (type === frameType.settings && !(flags & flag.ack)) {
      for (let at = 0; at + 6 <= payload.length; at += 6) {
        if (payload.readUInt16BE(at) === setting.initialWindowSize)
          streamWindowInitial = payload.readUInt32BE(at + 2);
      }
      if (options.ackSettings) send(frame(frameType.settings, flag.ack, 0));
    }
  };

  socket.on("data", (chunk: Buffer) => {
    state.bytesReceived += chunk.length;
    const bytes = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
    let at = 0;
    while (bytes.length - at >= frameHeaderBytes) {
      const length = bytes.readUIntBE(at, 3);
      if (length > frameBytesMax) {
        socket.destroy(new Error(`the server sent a ${length}-byte frame`));
        return;
      }
      if (bytes.length - at < frameHeaderBytes + length) break;
      const start = at + frameHeaderBytes;
      onFrame(
        bytes[at + 3]!,
        bytes[at + 4]!,
        bytes.readUInt32BE(at + 5) & streamIdMask,
        bytes.subarray(start, start + length),
      );
      at = start + length;
    }
    pending = at === bytes.length ? Buffer.alloc(0) : Buffer.from(bytes.subarray(at));
  });
  const closed = new Promise<void>((resolve) =>
    socket.on("close", () => {
      state.closedAtMs ??= Date.now() - started;
      state.ended = true;
      resolve();
    }),
  );
  socket.on("error", (err: NodeJS.ErrnoException) => {
    state.error ??= err.code ?? err.message;
  });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () =>
        reject(
          new Error(
            `could not connect to 127.0.0.1:${port} within ${options.connectTimeoutMs ?? 5_000} ms`,
          ),
        ),
      options.connectTimeoutMs ?? 5_000,
    );
    socket.once("connect", () => {
      clearTimeout(timer);
      resolve();
    });
    socket.once("close", () => {
      clearTimeout(timer);
      reject(
        new Error(
          `connection to 127.0.0.1:${port} closed before it opened: ${state.error ?? "no error"}`,
        ),
      );
    });
  });
  if (options.paused) socket.pause();

  function send(bytes: Buffer, frameCount = 1): boolean {
    if (socket.destroyed || socket.writableEnded) return false;
    socket.write(bytes);
    state.bytesSent += bytes.length;
    state.framesSent += frameCount;
    return true;
  }

  if (options.sendPreface ?? true) {
    const settings = Buffer.concat(
      (options.settings ?? []).map(([id, value]) => settingEntry(id, value)),
    );
    send(Buffer.concat([preface, frame(frameType.settings, 0, 0, settings)]));
  }

  const window = (streamId: number) => {
    if (streamId === 0) return Math.max(0, connectionWindow);
    const stream =
      streamWindowInitial + (streamGranted.get(streamId) ?? 0) - (streamSpent.get(streamId) ?? 0);
    return Math.max(0, Math.min(connectionWindow, stream));
  };
  const waitFor = async (what: () => boolean, timeoutMs: number) => {
    const deadline = Date.now() + timeoutMs;
    while (!what()) {
      if (Date.now() >= deadline) return false;
      await new Promise((resolve) =>
        setTimeout(resolve, Math.min(5, Math.max(1, deadline - Date.now()))),
      );
    }
    return true;
  };
  const count = (type: number, flags?: number) => {
    let total = 0;
    for (const [frameFlags, n] of counts.get(type) ?? [])
      if (flags === undefined || (frameFlags & flags) === flags) total += n;
    return total;
  };

  const client: Omit<RawClient, keyof RawClientState> = {
    socket,
    frames,
    closed,
    resets,
    count,
    async until(what) {
      if (!(await waitFor(what, 5_000))) throw new Error("timed out waiting for the server");
    },
    waitFor,
    send,
    batch(write) {
      socket.cork();
      try {
        write();
      } finally {
        socket.uncork();
      }
    },
    sendData(streamId, payload, flags = 0) {
      connectionWindow -= payload.length;
      // A stream this client ended needs no window: forgetting it keeps the maps as small as the open streams.
      if (flags & flag.endStream) {
        streamSpent.delete(streamId);
        streamGranted.delete(streamId);
      } else streamSpent.set(streamId, (streamSpent.get(streamId) ?? 0) + payload.length);
      return send(frame(frameType.data, flags, streamId, payload));
    },
    window,
    streamReset: (streamId) => resetStreams.has(streamId),
    async pace(deadline, highWaterBytes = highWaterBytesDefault) {
      await new Promise((resolve) => setImmediate(resolve));
      if (socket.writableLength > highWaterBytes && !socket.destroyed) {
        const waitMs = deadline - Date.now();
        if (waitMs > 0) {
          await new Promise<void>((resolve) => {
            const done = () => {
              clearTimeout(timer);
              socket.off("drain", done);
              socket.off("close", done);
              resolve();
            };
            const timer = setTimeout(done, waitMs);
            socket.once("drain", done);
            socket.once("close", done);
          });
        }
      }
      return !socket.destroyed && socket.writableLength <= highWaterBytes;
    },
    elapsedMs: () => Date.now() - started,
    pause: () => socket.pause(),
    resume: () => socket.resume(),
    close() {
      state.ended = true;
      socket.destroy();
    },
  };
  // The state object itself is handed out, so its fields are always current.
  return Object.assign(state, client);
}
