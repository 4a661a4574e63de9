import { describe, expect, it } from "vitest";
import { ClientPrefaceGate, frame, frameType, preface, splitFrames } from "./frames.js";

describe("the client preface gate", () => {
  it("holds a preface split over chunks and passes what follows it", () => {
    const gate = new ClientPrefaceGate();
    expect(gate.pass(preface.subarray(0, 10))).toEqual(Buffer.alloc(0));
    expect(gate.pass(Buffer.concat([preface.subarray(10), Buffer.from("abc")]))).toEqual(Buffer.from("abc"));
    expect(gate.pass(Buffer.from("def"))).toEqual(Buffer.from("def"));
  });

  it("refuses a peer that sends anything else, as soon as its bytes differ", () => {
    expect(new ClientPrefaceGate().pass(Buffer.from("GET / HTTP/1.1\r\n"))).toBeNull();
    expect(new ClientPrefaceGate().pass(Buffer.from("PRI * HTTP/1.1"))).toBeNull();
  });
});

describe("splitting frames", () => {
  it("stops before a frame when asked, and returns the rest to hand over later", () => {
    const bytes = Buffer.concat([frame(frameType.ping, 0, 0, Buffer.alloc(8)), frame(frameType.ping, 0, 0, Buffer.alloc(8, 1))]);
    const seen: number[] = [];
    const rest = splitFrames(Buffer.alloc(0), bytes, 16_384, (_type, _flags, _id, payload, start) => seen.push(payload[start]!), () => seen.length === 1);
    expect(seen).toEqual([0]);
    expect(splitFrames(rest, Buffer.alloc(0), 16_384, (_type, _flags, _id, payload, start) => seen.push(payload[start]!))).toHaveLength(0);
    expect(seen).toEqual([0, 1]);
  });

  it("refuses a frame longer than allowed before buffering it", () => {
    const header = frame(frameType.data, 0, 1, Buffer.alloc(20)).subarray(0, 9);
    expect(() => splitFrames(Buffer.alloc(0), header, 16, () => undefined)).toThrow(/exceeds the 16 allowed/);
  });
});
