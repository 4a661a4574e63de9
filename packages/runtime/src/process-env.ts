/**
 * Memory settings of every service process, as documented Node options only. A service's live
 * heap is small, but V8's default young generation makes each collection promote more of a busy
 * service's short-lived objects, and glibc's per-thread malloc arenas add to RSS. Measurements
 * are in docs/decisions/2026-11-27-service-memory-settings.md.
 */

/**
 * Environment every service process is started with (by `npm start`, the test kit and the bench;
 * the Dockerfile sets the same values). A variable already set by the caller wins.
 */
export const serviceProcessEnv: Readonly<Record<string, string>> = {
  NODE_OPTIONS: "--max-semi-space-size=16",
  MALLOC_ARENA_MAX: "2",
};
