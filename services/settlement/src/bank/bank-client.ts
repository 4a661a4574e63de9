/**
 * The bank's payout API over HTTP (DESIGN.md section 6). The client reports what it saw (a status
 * and a parsed body, a timeout, or a network error) and leaves the meaning to the domain
 * (classifyBankObservation), so every interpretation of a bank answer lives in one place.
 */
import { Pool, type Dispatcher } from "undici";
import type { BankObservation } from "../domain/bank-outcome.js";

export interface PayoutRequest {
  /** The transaction id: both the idempotency key and the payout's reference. */
  reference: string;
  userId: bigint;
  amountMinor: bigint;
}

export interface BankClient {
  /**
   * POST /payouts. Resolves with an observation and never rejects for a bank or network problem.
   * Rejects with the signal's reason only when `signal` (shutdown) aborts the call.
   */
  requestPayout(request: PayoutRequest, signal?: AbortSignal): Promise<BankObservation>;
  /** GET /health: resolves when the bank answers at all, whatever the status. */
  ping(timeoutMs: number): Promise<void>;
}

/** A bank body larger than this is not a payout answer; it is read no further. */
const responseBytesMax = 64 * 1024;

export interface BankClientOptions {
  baseUrl: string;
  /** One call, connection to last byte; past it the outcome is unknown. */
  timeoutMs: number;
  /** Keep-alive connections to the bank; one per worker means no call waits for a connection. */
  connectionsMax: number;
}

export interface ClosableBankClient extends BankClient {
  /** Closes the kept-alive connections once the calls in flight are done. */
  close(): Promise<void>;
}

/**
 * undici's request API over a keep-alive pool rather than fetch: the same client underneath,
 * without the WHATWG streams and per-call objects fetch builds for every call
 * (docs/decisions/2026-11-27-withdrawal-pipeline-cpu.md).
 */
export function createBankClient(options: BankClientOptions): ClosableBankClient {
  const base = new URL(withTrailingSlash(options.baseUrl));
  const payoutsPath = new URL("payouts", base).pathname;
  const healthPath = new URL("health", base).pathname;
  const pool = new Pool(base.origin, { connections: options.connectionsMax, pipelining: 1 });

  return {
    async requestPayout(request, signal) {
      // One controller and a timer cleared when the call ends, because AbortSignal.timeout's
      // timer outlives the call and AbortSignal.any tracks its sources weakly, both at a CPU cost.
      const controller = new AbortController();
      let timedOut = false;
      const timer = setTimeout(() => {
        timedOut = true;
        controller.abort();
      }, options.timeoutMs);
      const onShutdown = () => controller.abort(signal?.reason);
      if (signal?.aborted) onShutdown();
      else signal?.addEventListener("abort", onShutdown, { once: true });
      try {
        const response = await pool.request({
          path: payoutsPath,
          method: "POST",
          headers: { "content-type": "application/json", "idempotency-key": request.reference },
          body: JSON.stringify({
            reference: request.reference,
            user_id: request.userId.toString(),
            amount: request.amountMinor.toString(),
          }),
          signal: controller.signal,
        });
        return {
          type: "response",
          status: response.statusCode,
          body: await readJsonBody(response.body),
        };
      } catch (err) {
        if (signal?.aborted) throw signal.reason;
        if (timedOut) return { type: "timeout" };
        return { type: "network", detail: describeNetworkError(err) };
      } finally {
        clearTimeout(timer);
        signal?.removeEventListener("abort", onShutdown);
      }
    },

    async ping(timeoutMs) {
      const response = await pool.request({
        path: healthPath,
        method: "GET",
        signal: AbortSignal.timeout(timeoutMs),
      });
      await response.body.dump();
    },

    close: () => pool.close(),
  };
}

/** The body as JSON, or undefined when it is not JSON or too large to be an answer. */
async function readJsonBody(body: Dispatcher.ResponseData["body"]): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > responseBytesMax) {
      body.destroy();
      return undefined;
    }
    chunks.push(chunk);
  }
  try {
    return JSON.parse(Buffer.concat(chunks, size).toString("utf8")) as unknown;
  } catch {
    return undefined;
  }
}

/** Socket errors carry a system code (ECONNREFUSED, ECONNRESET), directly or as the cause. */
function describeNetworkError(err: unknown): string {
  const codeOf = (value: unknown) =>
    typeof value === "object" && value !== null && "code" in value ? String(value.code) : undefined;
  const cause = err instanceof Error ? err.cause : undefined;
  const code = codeOf(cause) ?? codeOf(err);
  const message =
    cause instanceof Error ? cause.message : err instanceof Error ? err.message : String(err);
  return (code ? `${code}: ${message}` : message).slice(0, 200);
}

function withTrailingSlash(url: string): string {
  return url.endsWith("/") ? url : `${url}/`;
}
