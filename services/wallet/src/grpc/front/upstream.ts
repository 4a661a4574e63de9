/**
 * The front's way to the in-process grpc-js server: one node:http2 client session on loopback,
 * opened on first use and again after it closes. Only the streams the front does not serve itself
 * (health, reflection, the rest) take it, so its per-stream cost is off the hot path.
 */
import http2 from "node:http2";

export interface Upstream {
  request(headers: http2.OutgoingHttpHeaders, endStream: boolean): http2.ClientHttp2Stream;
  close(): void;
}

export function createUpstream(address: string): Upstream {
  let session: http2.ClientHttp2Session | undefined;
  const current = (): http2.ClientHttp2Session => {
    if (session && !session.closed && !session.destroyed) return session;
    const opened = http2.connect(`http://${address}`);
    // A failed session fails its streams, and each stream answers its own client.
    opened.on("error", () => undefined);
    opened.on("close", () => {
      if (session === opened) session = undefined;
    });
    session = opened;
    return opened;
  };
  return {
    request: (headers, endStream) => current().request(headers, { endStream }),
    close: () => session?.close(),
  };
}
