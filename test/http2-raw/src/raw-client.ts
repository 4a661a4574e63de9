import net from "node:net";
import { frame, frameType, preface, settingEntry, splitFrames } from "./frames.js";

/** A frame as a raw test client received it. */
export interface ReceivedFrame {
  type: number;
  flags: number;
  streamId: number;
  payload: Buffer;
}

export interface RawClient {
  socket: net.Socket;
  frames: ReceivedFrame[];
  closed: Promise<void>;
  /** Frames received of a type, with all of `flags` set when given. */
  count(type: number, flags?: number): number;
  /** Polls until `what` holds, at most 5 s. */
  until(what: () => boolean): Promise<void>;
}

/**
 * For tests of HTTP/2 servers: a client on a bare socket that records every frame the server sends,
 * and writes whatever the test gives it, valid or not. It sends the preface and a SETTINGS frame
 * with `settings` (id, value) unless told not to.
 */
export async function connectRawClient(port: number, options: { sendPreface?: boolean; settings?: [number, number][] } = {}): Promise<RawClient> {
  const socket = net.connect({ host: "127.0.0.1", port });
  const frames: ReceivedFrame[] = [];
  let pending: Buffer = Buffer.alloc(0);
  socket.on("data", (chunk: Buffer) => {
    pending = splitFrames(pending, chunk, 1 << 24, (type, flags, streamId, bytes, start, end) =>
      frames.push({ type, flags, streamId, payload: Buffer.from(bytes.subarray(start, end)) }),
    );
  });
  const closed = new Promise<void>((resolve) => socket.on("close", () => resolve()));
  socket.on("error", () => {});
  await new Promise<void>((resolve) => socket.once("connect", () => resolve()));
  if (options.sendPreface ?? true) {
    const settings = Buffer.concat((options.settings ?? []).map(([id, value]) => settingEntry(id, value)));
    socket.write(Buffer.concat([preface, frame(frameType.settings, 0, 0, settings)]));
  }
  const count = (type: number, flags?: number) => frames.filter((f) => f.type === type && (flags === undefined || (f.flags & flags) === flags)).length;
  const until = async (what: () => boolean) => {
    const deadline = Date.now() + 5_000;
    while (!what()) {
      if (Date.now() > deadline) throw new Error("timed out waiting for the server");
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  };
  return { socket, frames, closed, count, until };
}
