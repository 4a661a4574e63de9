/**
 * A legitimate client on a connection of its own (its own subchannel pool), calling GetBalance and
 * grpc.health.v1 Check over and over while something hostile happens on other connections: how
 * many calls were answered correctly, and how slow the slowest was.
 */
import { createWalletClient } from "@wallet/proto";
import { sleep, waitFor } from "@wallet/test-kit";
import { checkHealth } from "./health-check.js";
import { grpcCodeName, isServiceError } from "./write-outcome.js";

export interface LegitTally {
  ok: number;
  total: number;
  worstMs: number;
  /** The first few failures, one line each. */
  failures: string[];
  /** Calls answered correctly but slower than the bound. */
  slow: number;
}

export interface LegitCaller {
  /** Calls in a loop until the returned `stop`, which waits for the calls in flight. */
  start(): { stop(): Promise<LegitTally> };
  /**
   * Opens the connection before the tally starts: waits (at most `timeoutMs`) for Check to answer
   * SERVING, which a freshly started wallet does only once its own checks have passed, then one
   * GetBalance; throws past the bound or when GetBalance fails.
   */
  warmUp(timeoutMs: number): Promise<void>;
  close(): void;
}

export interface LegitCallerOptions {
  address: string;
  userId: bigint;
  /** Health service name to check. */
  service: string;
  /** A call slower than this counts against the server. */
  latencyMsMax: number;
  /** Deadline of each call: past the bound, so the report shows how slow, not just "too slow". */
  deadlineMs: number;
  /** Pause between rounds, so the legitimate load stays light. */
  pauseMs: number;
}

const failuresKept = 5;

export function createLegitCaller(options: LegitCallerOptions): LegitCaller {
  const wallet = createWalletClient(options.address, options.deadlineMs, {
    "grpc.use_local_subchannel_pool": 1,
    "grpc.initial_reconnect_backoff_ms": 50,
    "grpc.max_reconnect_backoff_ms": 200,
  });
  const calls = {
    GetBalance: () => wallet.getBalance({ userId: options.userId }).then(() => true),
    Check: () => checkHealth(wallet.raw, options.service, options.deadlineMs),
  };

  async function timed(tally: LegitTally, name: keyof typeof calls): Promise<void> {
    const started = performance.now();
    let failure: string | undefined;
    try {
      if (!(await calls[name]())) failure = "not SERVING";
    } catch (err) {
      failure = isServiceError(err) ? `${grpcCodeName(err.code)}: ${err.details}` : String(err);
    }
    const ms = performance.now() - started;
    tally.total += 1;
    tally.worstMs = Math.max(tally.worstMs, ms);
    if (failure === undefined) {
      tally.ok += 1;
      if (ms > options.latencyMsMax) tally.slow += 1;
    } else if (tally.failures.length < failuresKept)
      tally.failures.push(`${name} ${failure} after ${Math.round(ms)} ms`);
  }

  return {
    start() {
      const tally: LegitTally = { ok: 0, total: 0, worstMs: 0, failures: [], slow: 0 };
      let stopped = false;
      const loop = (async () => {
        while (!stopped) {
          await Promise.all([timed(tally, "GetBalance"), timed(tally, "Check")]);
          await sleep(options.pauseMs);
        }
      })();
      return {
        async stop() {
          stopped = true;
          await loop;
          return tally;
        },
      };
    },
    async warmUp(timeoutMs) {
      await waitFor(
        `${options.address} to answer SERVING`,
        async () => ((await calls.Check().catch(() => false)) ? true : undefined),
        { timeoutMs, intervalMs: 100 },
      );
      await calls.GetBalance();
    },
    close: () => wallet.close(),
  };
}
