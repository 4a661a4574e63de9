/**
 * Watches a service's dependencies (PostgreSQL, NATS, the bank) and says whether it can serve.
 * Each check has a timeout, so a hung dependency reads as down instead of stalling the monitor.
 */
import type { Logger } from "@wallet/logger";

export interface DependencyCheck {
  name: string;
  check(): Promise<void>;
}

export interface HealthMonitor {
  /** The last result of each check: true when it answered within the timeout. */
  snapshot(): Record<string, boolean>;
  healthy(): boolean;
  /** Checks now rather than at the next interval, for a dependency known to have just come up. */
  checkNow(): Promise<void>;
  stop(): void;
}

export function startHealthMonitor(
  checks: DependencyCheck[],
  options: {
    intervalMs: number;
    timeoutMs: number;
    logger: Logger;
    onChange: (healthy: boolean) => void;
  },
): HealthMonitor {
  const state: Record<string, boolean> = Object.fromEntries(checks.map((c) => [c.name, false]));
  let lastHealthy: boolean | undefined;
  let running: Promise<void> | undefined;
  let again = false;

  /**
   * One pass over the checks. A tick that finds a pass running is skipped; a checkNow() that finds
   * one running gets another pass right after it, since the running one may predate the change.
   */
  function runOnce(rerunIfBusy: boolean): Promise<void> {
    if (running) {
      again ||= rerunIfBusy;
      return running;
    }
    running = checkAll().finally(() => {
      running = undefined;
      if (again) {
        again = false;
        void runOnce(false);
      }
    });
    return running;
  }

  async function checkAll(): Promise<void> {
    await Promise.all(
      checks.map(async (dependency) => {
        const ok = await withTimeout(dependency.check(), options.timeoutMs).then(
          () => true,
          () => false,
        );
        if (state[dependency.name] !== ok) {
          options.logger[ok ? "info" : "warn"](
            { dependency: dependency.name, up: ok },
            "dependency state changed",
          );
        }
        state[dependency.name] = ok;
      }),
    );
    const healthy = Object.values(state).every(Boolean);
    if (healthy !== lastHealthy) {
      lastHealthy = healthy;
      options.onChange(healthy);
    }
  }

  void runOnce(false);
  const timer = setInterval(() => void runOnce(false), options.intervalMs);
  timer.unref();
  return {
    snapshot: () => ({ ...state }),
    healthy: () => Object.values(state).every(Boolean),
    checkNow: () => runOnce(true),
    stop: () => clearInterval(timer),
  };
}

function withTimeout<T>(promise: Promise<T>, timeoutMs: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms`)), timeoutMs);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (err: unknown) => {
        clearTimeout(timer);
        reject(err);
      },
    );
  });
}
