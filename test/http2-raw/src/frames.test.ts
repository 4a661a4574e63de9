import { describe, expect, it } from "vitest";
import { flag, frame, frameType, splitFrames, unpadded } from "./frames.js";

describe("splitting frames", () => {
  it("hands over each whole frame and keeps a frame split over chunks until its last byte arrives", () => {
    const bytes = Buffer.concat([
      frame(frameType.ping, 0, 0, Buffer.alloc(8)),
      frame(frameType.data, flag.endStream, 3, Buffer.from("abc")),
    ]);
    const seen: [number, number, number, string][] = [];
    const onFrame = (
      type: number,
      flags: number,
      streamId: number,
      payload: Buffer,
      start: number,
      end: number,
    ) => seen.push([type, flags, streamId, payload.toString("latin1", start, end)]);
    const rest = splitFrames(Buffer.alloc(0), bytes.subarray(0, bytes.length - 2), 16_384, onFrame);
    expect(seen).toEqual([[frameType.ping, 0, 0, "\0".repeat(8)]]);
    expect(rest).toHaveLength(9 + 1);
    expect(splitFrames(rest, bytes.subarray(bytes.length - 2), 16_384, onFrame)).toHaveLength(0);
    expect(seen[1]).toEqual([frameType.data, flag.endStream, 3, "abc"]);
  });

  it("refuses a frame longer than allowed before buffering it", () => {
    const header = frame(frameType.data, 0, 1, Buffer.alloc(20)).subarray(0, 9);
    expect(() => splitFrames(Buffer.alloc(0), header, 16, () => undefined)).toThrow(
      /exceeds the 16 allowed/,
    );
  });
});

describe("padding", () => {
  it("gives the payload without its pad length and padding, and refuses padding longer than the frame", () => {
    const padded = Buffer.from([2, ...Buffer.from("ab"), 0, 0]);
    expect(unpadded(flag.padded, padded, 0, padded.length)).toEqual([1, 3]);
    expect(unpadded(0, padded, 0, padded.length)).toEqual([0, 5]);
    expect(() => unpadded(flag.padded, Buffer.from([4, 0, 0]), 0, 3)).toThrow(/padding longer/);
    expect(() => unpadded(flag.padded, Buffer.alloc(0), 0, 0)).toThrow(/pad length/);
  });
});
