import type { RunResults, TestRecord } from "../src/run/results.ts";

function cell(text: string): string {
  return text.replace(/\|/g, "\\|").replace(/\n/g, " ");
}

function fence(text: string): string {
  return ["```", text.replace(/```/g, "` ` `"), "```"].join("\n");
}

function failureBlock(test: TestRecord): string {
  return [`<details><summary><code>${cell(test.id)}</code></summary>`, "", fence(test.message ?? "(no message)"), "", "</details>"].join("\n");
}

/** A Markdown summary for a pull request or `$GITHUB_STEP_SUMMARY`. */
export function renderMarkdown(results: RunResults): string {
  const s = results.summary;
  const verdict = results.gate.passed ? "✅ passed" : `❌ failed: ${results.gate.reasons.join("; ")}`;
  const target = `${results.target.implementation}${results.target.database ? ` on ${results.target.database}` : ""}`;
  const lines = [
    `## Gauntlet: ${target}: ${verdict}`,
    "",
    ...results.target.homeservers.map((hs) => `- ${hs.name}: ${hs.implementation} ${hs.version ?? "(version unknown)"} at \`${hs.baseUrl}\``),
    "",
    "| tests | passed | failed | expected failures | unexpected failures | unexpected passes | skipped | stale expectations | duration |",
    "|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    `| ${s.total} | ${s.passed} | ${s.failed} | ${s.expectedFailures} | ${s.unexpectedFailures} | ${s.unexpectedPasses} | ${s.skipped} | ${s.staleExpectations} | ${(results.durationMs / 1000).toFixed(1)} s |`,
    "",
  ];
  const unexpected = results.tests.filter((t) => t.verdict === "unexpected-failure");
  if (unexpected.length > 0) lines.push(`### Unexpected failures (${unexpected.length})`, "", ...unexpected.map(failureBlock), "");
  const passes = results.tests.filter((t) => t.verdict === "unexpected-pass");
  if (passes.length > 0) {
    lines.push(`### Unexpected passes (${passes.length})`, "", "Listed as failing in the expectations file but passed: remove their entries.", "");
    lines.push(...passes.map((t) => `- \`${t.id}\` (was: ${cell(t.expectation?.reason ?? "")})`), "");
  }
  if (results.expectations.stale.length > 0) {
    lines.push(`### Stale expectations (${results.expectations.stale.length})`, "");
    lines.push(...results.expectations.stale.map((e) => `- \`${e.id}\`: ${e.reason}`), "");
  }
  if (results.errors.length > 0) lines.push("### Errors outside tests", "", ...results.errors.map((e) => fence(e)), "");
  const files = [...new Set(results.tests.map((t) => t.file))];
  lines.push("### By suite", "", "| suite | passed | failed | expected | skipped | time |", "|---|---:|---:|---:|---:|---:|");
  for (const file of files) {
    const tests = results.tests.filter((t) => t.file === file);
    const n = (pred: (t: TestRecord) => boolean) => tests.filter(pred).length;
    lines.push(
      `| ${cell(file.replace(/\.test\.ts$/, ""))} | ${n((t) => t.status === "passed")} | ${n((t) => t.verdict === "unexpected-failure")} | ${n((t) => t.verdict === "expected-failure")} | ${n((t) => t.status === "skipped")} | ${(tests.reduce((a, t) => a + t.durationMs, 0) / 1000).toFixed(1)} s |`,
    );
  }
  lines.push("");
  return lines.join("\n");
}
