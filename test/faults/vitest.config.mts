import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["src/**/*.test.ts"],
    // The suite starts its own PostgreSQL, NATS and every service; on two cores it runs alone.
    fileParallelism: false,
    // The --ci suite is bounded to four minutes; the margin covers start-up and clean-up.
    testTimeout: 300_000,
    hookTimeout: 120_000,
  },
});
