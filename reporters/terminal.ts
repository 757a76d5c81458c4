import { describeTarget, type RunResults } from "../src/run/results.ts";

const INDENT = "      ";

/** What a person reads at the end of `gauntlet run`. */
export function renderTerminal(results: RunResults, reportPaths: Record<string, string>): string {
  const s = results.summary;
  const lines: string[] = [""];
  const unexpected = results.tests.filter((t) => t.verdict === "unexpected-failure");
  for (const test of unexpected) {
    lines.push(`✗ ${test.id}`, ...(test.message ?? "").split("\n").map((l) => `${INDENT}${l}`), "");
  }
  for (const error of results.errors) lines.push(`✗ error outside tests:`, ...error.split("\n").map((l) => `${INDENT}${l}`), "");
  const passes = results.tests.filter((t) => t.verdict === "unexpected-pass");
  if (passes.length > 0) {
    lines.push("Unexpected passes (listed as failing in the expectations file; remove their entries):");
    lines.push(...passes.map((t) => `  + ${t.id}`), "");
  }
  if (results.expectations.stale.length > 0) {
    lines.push("Stale expectations (name no existing test; remove or rename them):");
    lines.push(...results.expectations.stale.map((e) => `  ? ${e.id} (${e.reason})`), "");
  }
  lines.push(
    `target: ${describeTarget(results.target)}`,
    `${s.total} tests: ${s.passed} passed, ${s.failed} failed (${s.expectedFailures} expected, ${s.unexpectedFailures} unexpected), ${s.skipped} skipped, ${s.unexpectedPasses} unexpected passes, ${s.staleExpectations} stale expectations`,
    `time: ${(results.durationMs / 1000).toFixed(1)} s (environment ${(results.timings.environmentMs / 1000).toFixed(1)} s, suites ${(results.timings.suitesMs / 1000).toFixed(1)} s)`,
  );
  // A failure that only shows in one order is reproducible with its seed.
  if (typeof results.selection.shuffleSeed === "number") lines.push(`order: shuffled; --shuffle ${results.selection.shuffleSeed} repeats it`);
  for (const [name, path] of Object.entries(reportPaths)) lines.push(`${name.padEnd(9)} ${path}`);
  lines.push(results.gate.passed ? "gate: PASSED" : `gate: FAILED (${results.gate.reasons.join("; ")})`, "");
  return lines.join("\n");
}
