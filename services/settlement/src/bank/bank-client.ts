/**
 * The bank's payout API over HTTP (DESIGN.md section 6). The client reports what it saw (a status
 * and a parsed body, a timeout, or a network error) and leaves the meaning to the domain
 * (classifyBankObservation), so every interpretation of a bank answer lives in one place.
 */
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

export function createBankClient(options: { baseUrl: string; timeoutMs: number }): BankClient {
  const payoutsUrl = new URL("payouts", withTrailingSlash(options.baseUrl));
  const healthUrl = new URL("health", withTrailingSlash(options.baseUrl));

  return {
    async requestPayout(request, signal) {
      const timeout = AbortSignal.timeout(options.timeoutMs);
      const combined = signal ? AbortSignal.any([signal, timeout]) : timeout;
      try {
        const response = await fetch(payoutsUrl, {
          method: "POST",
          headers: { "content-type": "application/json", "idempotency-key": request.reference },
          body: JSON.stringify({
            reference: request.reference,
            user_id: request.userId.toString(),
            amount: request.amountMinor.toString(),
          }),
          signal: combined,
        });
        return { type: "response", status: response.status, body: await readJsonBody(response) };
      } catch (err) {
        if (signal?.aborted) throw signal.reason;
        if (timeout.aborted) return { type: "timeout" };
        return { type: "network", detail: describeNetworkError(err) };
      }
    },

    async ping(timeoutMs) {
      const response = await fetch(healthUrl, { signal: AbortSignal.timeout(timeoutMs) });
      await response.body?.cancel();
    },
  };
}

/** The body as JSON, or undefined when it is not JSON or too large to be an answer. */
async function readJsonBody(response: Response): Promise<unknown> {
  const declared = Number(response.headers.get("content-length") ?? "0");
  if (declared > responseBytesMax) {
    await response.body?.cancel();
    return undefined;
  }
  const text = await response.text();
  if (text.length > responseBytesMax) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** fetch wraps socket errors as TypeError("fetch failed") with the system error as its cause. */
function describeNetworkError(err: unknown): string {
  const cause = err instanceof Error ? err.cause : undefined;
  const code = typeof cause === "object" && cause !== null && "code" in cause ? String((cause as { code: unknown }).code) : undefined;
  const message = cause instanceof Error ? cause.message : err instanceof Error ? err.message : String(err);
  return (code ? `${code}: ${message}` : message).slice(0, 200);
}

function withTrailingSlash(url: string): string {
  return url.endsWith("/") ? url : `${url}/`;
}
