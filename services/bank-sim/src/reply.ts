/**
 * What a route decides to do with a request, as a value: answer it, or (to simulate failures)
 * break the connection now or later. Routes return replies; only the server writes them.
 */
export type Reply =
  | {
      readonly kind: "json";
      readonly status: number;
      readonly body: unknown;
      readonly headers?: Readonly<Record<string, string>>;
    }
  | {
      readonly kind: "text";
      readonly status: number;
      readonly body: string;
      readonly contentType: string;
    }
  /** Destroy the socket without answering: the lost response. */
  | { readonly kind: "destroy" }
  /** Never answer; destroy the socket after `ms`: the hang. */
  | { readonly kind: "hold"; readonly ms: number };

export function json(status: number, body: unknown, headers?: Record<string, string>): Reply {
  return headers === undefined
    ? { kind: "json", status, body }
    : { kind: "json", status, body, headers };
}

/** Error bodies carry a stable machine-readable code and a human message (DESIGN.md §5). */
export function errorReply(
  status: number,
  code: string,
  message: string,
  details?: readonly string[],
): Reply {
  return json(status, {
    error: details === undefined ? { code, message } : { code, message, details },
  });
}
