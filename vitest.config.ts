import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Two cores: one worker per core keeps CPU-heavy property tests from starving each other.
    maxWorkers: 2,
    reporters: ["default", "./test/summary-reporter.ts"],
  },
});
