/**
 * One HTTP request with full control over what goes on the wire (repeated headers, raw bytes,
 * any content type or none) and a hard timeout. fetch normalises too much for hostile input.
 */
import { Agent, request as httpRequest, type OutgoingHttpHeaders } from "node:http";

export interface HttpRequestOptions {
  method: string;
  /** Path and query, sent as given. */
  path: string;
  /** A flat [name, value, name, value, ...] list sends repeated headers as they are. */
  headers?: OutgoingHttpHeaders | string[];
  body?: string | Buffer;
  /** Defaults to application/json when there is a body and no headers were given. */
  timeoutMs: number;
  /** A fresh connection, so a hostile request cannot leave a shared socket in a strange state. */
  fresh?: boolean;
}

export type HttpAnswer =
  | { kind: "answered"; status: number; text: string; json: unknown }
  | { kind: "failed"; message: string };

/** Keep-alive for the load, so a few thousand requests do not cost a few thousand handshakes. */
const sharedAgent = new Agent({ keepAlive: true, maxSockets: 64 });

/** Answers larger than this are cut: the suite only needs status and error code. */
const answerBytesMax = 1024 * 1024;

export function requestJson(baseUrl: string, options: HttpRequestOptions): Promise<HttpAnswer> {
  const url = new URL(baseUrl);
  const headers = withFraming(
    options.headers ?? (options.body !== undefined ? { "content-type": "application/json" } : {}),
    url,
    options.body,
  );
  return new Promise((resolve) => {
    let settled = false;
    const finish = (answer: HttpAnswer) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(answer);
    };
    let req: ReturnType<typeof httpRequest>;
    try {
      req = httpRequest(
        {
          host: url.hostname,
          port: url.port,
          method: options.method,
          path: options.path,
          headers,
          agent: options.fresh ? false : sharedAgent,
        },
        (res) => {
          const chunks: Buffer[] = [];
          let size = 0;
          res.on("data", (chunk: Buffer) => {
            size += chunk.length;
            if (size <= answerBytesMax) chunks.push(chunk);
          });
          res.on("end", () => {
            const text = Buffer.concat(chunks).toString("utf8");
            let json: unknown;
            try {
              json = text === "" ? undefined : JSON.parse(text);
            } catch {
              json = undefined;
            }
            finish({ kind: "answered", status: res.statusCode ?? 0, text, json });
          });
          res.on("error", (err) => finish({ kind: "failed", message: err.message }));
        },
      );
    } catch (err) {
      // Node refuses some requests before sending them (an invalid header, say): nothing was sent.
      resolve({
        kind: "failed",
        message: `not sent: ${err instanceof Error ? err.message : String(err)}`,
      });
      return;
    }
    const timer = setTimeout(() => {
      req.destroy(new Error(`timed out after ${options.timeoutMs} ms`));
    }, options.timeoutMs);
    req.on("error", (err) => finish({ kind: "failed", message: err.message }));
    if (options.body !== undefined) req.write(options.body);
    req.end();
  });
}

/**
 * Node adds Host and the body's framing only to headers given as an object; a raw header list
 * gets them here, or the server would rightly refuse every request as malformed HTTP/1.1.
 */
function withFraming(
  headers: OutgoingHttpHeaders | string[],
  url: URL,
  body: string | Buffer | undefined,
): OutgoingHttpHeaders | string[] {
  if (!Array.isArray(headers)) return headers;
  const names = new Set(headers.filter((_, i) => i % 2 === 0).map((name) => name.toLowerCase()));
  const framed = [...headers];
  if (!names.has("host")) framed.unshift("host", url.host);
  if (body !== undefined && !names.has("content-length") && !names.has("transfer-encoding"))
    framed.push("content-length", String(Buffer.byteLength(body)));
  return framed;
}
