import { setFlagsFromString } from "node:v8";

/**
 * Memory settings of every service process. Both bound memory without costing speed. A service's
 * live heap is small (the wallet's is about 21 MiB after a bench run), but under load V8 lets the
 * old generation grow to about four times the live heap before a full collection, and glibc's
 * per-thread malloc arenas add more: the wallet's RSS passed 220 MiB with V8's defaults.
 *
 * Measured on the wallet under 64 closed-loop charge callers, three pairs in the same minutes:
 * 4 MiB semi-spaces with the default growth peaked at 147-150 MiB RSS; 16 MiB semi-spaces (fewer
 * scavenges, fewer objects promoted) with the old generation held to 1.5x the live heap peaked at
 * 119-120 MiB and served 3-8% more charges/s. 16 MiB semi-spaces alone peaked at 174-192 MiB.
 */

/**
 * Environment every service process is started with (by `npm start`, the test kit and the bench;
 * the Dockerfile sets the same values). A variable already set by the caller wins.
 */
export const serviceProcessEnv: Readonly<Record<string, string>> = {
  NODE_OPTIONS: "--max-semi-space-size=16",
  MALLOC_ARENA_MAX: "2",
};

/** Each full collection sets the next limit to the live heap times 1 + this / 100. */
export const heapGrowingPercent = 50;

/**
 * Holds the old generation near the live heap. V8 refuses this flag in NODE_OPTIONS, so every
 * service sets it at start (runUntilSignal does); V8 reads it whenever it sets the next limit.
 * A `--heap-growing-percent` on node's command line wins.
 */
export function limitHeapGrowth(): void {
  if (process.execArgv.some((arg) => arg.startsWith("--heap-growing-percent"))) return;
  setFlagsFromString(`--heap-growing-percent=${heapGrowingPercent}`);
}
