/**
 * Environment every service process is started with (by `npm start`, the test kit and the bench;
 * the Dockerfile sets the same values). A variable already set by the caller wins.
 *
 * Both bound memory rather than speed. A service's live heap is small (the wallet's is about
 * 21 MiB after a bench run), but V8's default young generation (two 16 MiB semi-spaces) and
 * glibc's per-thread malloc arenas let the wallet's RSS pass 220 MiB under load. With 8 MiB
 * semi-spaces its peak was still 187-196 MiB in charge-spread + mixed once charges took one
 * statement; with 4 MiB it was 161-166 MiB, at a throughput difference within the bench's noise.
 */
export const serviceProcessEnv: Readonly<Record<string, string>> = {
  NODE_OPTIONS: "--max-semi-space-size=4",
  MALLOC_ARENA_MAX: "2",
};
