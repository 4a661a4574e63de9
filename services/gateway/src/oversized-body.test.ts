import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { discardBody } from "./oversized-body.js";

describe("discardBody", () => {
  it("reads a body to its end", async () => {
    const body = new PassThrough();
    const discarded = discardBody(body, 1_000, 1_000);
    body.write(Buffer.alloc(600));
    body.end(Buffer.alloc(400));
    await expect(discarded).resolves.toBe(true);
  });

  it("gives up past its byte bound", async () => {
    const body = new PassThrough();
    const discarded = discardBody(body, 1_000, 1_000);
    body.write(Buffer.alloc(1_001));
    await expect(discarded).resolves.toBe(false);
  });

  it("gives up past its time bound, and on a stream error", async () => {
    const slow = new PassThrough();
    const timedOut = discardBody(slow, 1_000, 20);
    slow.write(Buffer.alloc(10));
    await expect(timedOut).resolves.toBe(false);

    const failing = new PassThrough();
    const failed = discardBody(failing, 1_000, 1_000);
    failing.destroy(new Error("client went away"));
    await expect(failed).resolves.toBe(false);
  });
});
