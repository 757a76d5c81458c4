import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

// Suites test a homeserver, not Gauntlet: they run through `gauntlet run`, which points them at a
// deployment. Files run in parallel against one homeserver, and so do the tests of a file: each test
// brings its own users and rooms. A describe that must not overlap says `{ concurrent: false }`.
export default defineConfig({
  test: {
    root: fileURLToPath(new URL(".", import.meta.url)),
    include: ["**/*.test.ts"],
    pool: "forks",
    maxWorkers: 3,
    sequence: { concurrent: true },
    maxConcurrency: 4,
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // A spec failure is a result, not noise to retry away.
    retry: 0,
  },
});
