import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["src/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Integration files each start real processes; on a shared two-core machine they run one at a time.
    fileParallelism: false,
  },
});
