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
  stop(): void;
}

export function startHealthMonitor(
  checks: DependencyCheck[],
  options: { intervalMs: number; timeoutMs: number; logger: Logger; onChange: (healthy: boolean) => void },
): HealthMonitor {
  const state: Record<string, boolean> = Object.fromEntries(checks.map((c) => [c.name, false]));
  let lastHealthy: boolean | undefined;
  let running = false;

  async function runOnce(): Promise<void> {
    if (running) return;
    running = true;
    try {
      await Promise.all(
        checks.map(async (dependency) => {
          const ok = await withTimeout(dependency.check(), options.timeoutMs).then(
            () => true,
            () => false,
          );
          if (state[dependency.name] !== ok) {
            options.logger[ok ? "info" : "warn"]({ dependency: dependency.name, up: ok }, "dependency state changed");
          }
          state[dependency.name] = ok;
        }),
      );
      const healthy = Object.values(state).every(Boolean);
      if (healthy !== lastHealthy) {
        lastHealthy = healthy;
        options.onChange(healthy);
      }
    } finally {
      running = false;
    }
  }

  void runOnce();
  const timer = setInterval(() => void runOnce(), options.intervalMs);
  timer.unref();
  return {
    snapshot: () => ({ ...state }),
    healthy: () => Object.values(state).every(Boolean),
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
