/** Reading a JSON request body with a size bound. */
import type { IncomingMessage } from "node:http";

export type BodyResult =
  | { readonly ok: true; readonly value: unknown }
  | {
      readonly ok: false;
      readonly status: 400 | 413;
      readonly code: string;
      readonly message: string;
    };

/**
 * Reads and parses the body. A body over `bytesMax` is refused as soon as it is known to be too
 * large (from Content-Length, or while streaming), so a client cannot make the bank buffer it.
 */
export function readJsonBody(req: IncomingMessage, bytesMax: number): Promise<BodyResult> {
  const tooLarge: BodyResult = {
    ok: false,
    status: 413,
    code: "PAYLOAD_TOO_LARGE",
    message: `request body must be at most ${bytesMax} bytes`,
  };
  const declaredBytes = Number(req.headers["content-length"] ?? 0);
  if (declaredBytes > bytesMax) return Promise.resolve(tooLarge);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let receivedBytes = 0;
    let done = false;
    req.on("data", (chunk: Buffer) => {
      if (done) return;
      receivedBytes += chunk.length;
      if (receivedBytes > bytesMax) {
        done = true;
        resolve(tooLarge);
        return;
      }
      chunks.push(chunk);
    });
    req.on("error", (err) => {
      if (done) return;
      done = true;
      reject(err);
    });
    req.on("end", () => {
      if (done) return;
      done = true;
      const text = Buffer.concat(chunks).toString("utf8");
      if (text.trim() === "") {
        resolve({
          ok: false,
          status: 400,
          code: "INVALID_ARGUMENT",
          message: "request body must be JSON",
        });
        return;
      }
      try {
        resolve({ ok: true, value: JSON.parse(text) as unknown });
      } catch {
        resolve({
          ok: false,
          status: 400,
          code: "INVALID_ARGUMENT",
          message: "request body is not valid JSON",
        });
      }
    });
  });
}
