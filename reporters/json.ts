import type { RunResults } from "../src/run/results.ts";

/** results.json: one record per test with id, status, duration, endpoints, spec section and failure message. */
export function renderJson(results: RunResults): string {
  return `${JSON.stringify(results, null, 2)}\n`;
}
