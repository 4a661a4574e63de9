import { status } from "@grpc/grpc-js";
import { describe, expect, it } from "vitest";
import {
  frameMessage,
  grpcTimeoutHeader,
  statusFromHttp,
  unaryOutcome,
  unframeMessage,
} from "./grpc-unary-protocol.js";
import { CallError } from "./unary-transport.js";

const codeOf = (outcome: unknown) =>
  outcome instanceof CallError ? status[outcome.code] : "a message";

describe("gRPC message framing", () => {
  it("prefixes a message with an uncompressed flag and its length, and takes it back out", () => {
    const framed = frameMessage(Buffer.from("hello"));
    expect([...framed.subarray(0, 5)]).toEqual([0, 0, 0, 0, 5]);
    expect(unframeMessage(framed)).toEqual(Buffer.from("hello"));
    expect(unframeMessage(frameMessage(Buffer.alloc(0)))).toEqual(Buffer.alloc(0));
  });

  it("refuses a body that is not exactly one uncompressed message", () => {
    expect(codeOf(unframeMessage(Buffer.from([0, 0, 0])))).toBe("INTERNAL");
    expect(codeOf(unframeMessage(Buffer.from([1, 0, 0, 0, 1, 9])))).toBe("INTERNAL");
    expect(codeOf(unframeMessage(Buffer.from([0, 0, 0, 0, 2, 9])))).toBe("INTERNAL");
    expect(
      codeOf(
        unframeMessage(
          Buffer.concat([frameMessage(Buffer.from("a")), frameMessage(Buffer.from("b"))]),
        ),
      ),
    ).toBe("INTERNAL");
  });

  it("writes grpc-timeout in at most 8 digits", () => {
    expect(grpcTimeoutHeader(5_000)).toBe("5000m");
    expect(grpcTimeoutHeader(123_456_789)).toBe("123457S");
  });
});

describe("a unary call's outcome", () => {
  const text = (bytes: Buffer) => bytes.toString();

  it("decodes the message of an OK answer, whether its body came in one piece or several", () => {
    const framed = frameMessage(Buffer.from("answer"));
    const ok = { httpStatus: 200, grpcStatus: "0", grpcMessage: undefined };
    expect(unaryOutcome(ok, [framed], text)).toBe("answer");
    expect(unaryOutcome(ok, [framed.subarray(0, 3), framed.subarray(3)], text)).toBe("answer");
  });

  it("rejects with the status and the percent-decoded message of the trailers", () => {
    const outcome = unaryOutcome(
      { httpStatus: 200, grpcStatus: "5", grpcMessage: "no such user: 100%25" },
      [],
      text,
    );
    expect(codeOf(outcome)).toBe("NOT_FOUND");
    expect((outcome as CallError).details).toBe("no such user: 100%");
    expect(
      (
        unaryOutcome(
          { httpStatus: 200, grpcStatus: "5", grpcMessage: "100%" },
          [],
          text,
        ) as CallError
      ).details,
    ).toBe("100%");
    expect(
      codeOf(unaryOutcome({ httpStatus: 200, grpcStatus: "OK", grpcMessage: undefined }, [], text)),
    ).toBe("UNKNOWN");
  });

  it("maps an answer without grpc-status from its HTTP status, as the protocol says", () => {
    const withoutStatus = (httpStatus: number | undefined) =>
      codeOf(unaryOutcome({ httpStatus, grpcStatus: undefined, grpcMessage: undefined }, [], text));
    expect(withoutStatus(404)).toBe("UNIMPLEMENTED");
    expect(withoutStatus(200)).toBe("UNAVAILABLE");
    expect(withoutStatus(undefined)).toBe("UNAVAILABLE");
    expect(status[statusFromHttp(503)]).toBe("UNAVAILABLE");
    expect(status[statusFromHttp(401)]).toBe("UNAUTHENTICATED");
    expect(status[statusFromHttp(500)]).toBe("UNKNOWN");
  });

  it("fails INTERNAL when the answer does not decode", () => {
    const broken = () => {
      throw new Error("bad protobuf");
    };
    expect(
      codeOf(
        unaryOutcome(
          { httpStatus: 200, grpcStatus: "0", grpcMessage: undefined },
          [frameMessage(Buffer.from("x"))],
          broken,
        ),
      ),
    ).toBe("INTERNAL");
  });
});
