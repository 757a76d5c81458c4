import type { RunResults, TestRecord } from "../src/run/results.ts";

function xml(text: string): string {
  // XML 1.0 forbids most control characters even when escaped.
  return text
    .replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F]/g, "")
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;");
}

function testcase(test: TestRecord): string {
  const open = `    <testcase classname="${xml(test.file.replace(/\.test\.ts$/, ""))}" name="${xml(test.name)}" time="${(test.durationMs / 1000).toFixed(3)}">`;
  const props = [
    ...(test.specSection ? [`        <property name="spec_section" value="${xml(test.specSection)}"/>`] : []),
    ...test.endpoints.map((endpoint) => `        <property name="endpoint" value="${xml(endpoint)}"/>`),
    `        <property name="id" value="${xml(test.id)}"/>`,
  ];
  const lines = [open, "      <properties>", ...props, "      </properties>"];
  const firstLine = (test.message ?? "").split("\n")[0] ?? "";
  switch (test.verdict) {
    case "unexpected-failure":
      lines.push(`      <failure message="${xml(firstLine)}" type="failure">${xml(test.message ?? "")}</failure>`);
      break;
    case "expected-failure":
      // A known failure listed in the expectations file does not fail the gate, so CI shows it as skipped.
      lines.push(`      <skipped message="${xml(`expected failure: ${test.expectation?.reason ?? ""}`)}"/>`);
      lines.push(`      <system-out>${xml(test.message ?? "")}</system-out>`);
      break;
    case "skipped":
      lines.push(`      <skipped${test.message ? ` message="${xml(test.message)}"` : ""}/>`);
      break;
    case "unexpected-pass":
      lines.push(`      <system-out>${xml(`passed although the expectations file lists it as failing: ${test.expectation?.reason ?? ""}`)}</system-out>`);
      break;
    default:
      if (test.status === "failed") lines.push(`      <failure message="${xml(firstLine)}" type="failure">${xml(test.message ?? "")}</failure>`);
  }
  lines.push("    </testcase>");
  return lines.join("\n");
}

/** What was tested, as properties of every testsuite: CI systems show them beside its tests. */
function targetProperties(results: RunResults): string {
  const properties: [string, string][] = [
    ["implementation", results.target.implementation],
    ["database", results.target.database ?? "n/a"],
    ...results.target.homeservers.flatMap((hs): [string, string][] => [
      [`${hs.name}.implementation`, hs.implementation],
      [`${hs.name}.version`, hs.version ?? "unknown"],
    ]),
  ];
  return ["    <properties>", ...properties.map(([name, value]) => `      <property name="${xml(name)}" value="${xml(value)}"/>`), "    </properties>"].join("\n");
}

/** JUnit XML, one testsuite per suite file, as CI systems render it. */
export function renderJunit(results: RunResults): string {
  const properties = targetProperties(results);
  const files = [...new Set(results.tests.map((t) => t.file))];
  const suites = files.map((file) => {
    const tests = results.tests.filter((t) => t.file === file);
    const failures = tests.filter((t) => t.verdict === "unexpected-failure" || (t.verdict === undefined && t.status === "failed")).length;
    const skipped = tests.filter((t) => t.verdict === "skipped" || t.verdict === "expected-failure").length;
    const time = tests.reduce((sum, t) => sum + t.durationMs, 0) / 1000;
    return [
      `  <testsuite name="${xml(file.replace(/\.test\.ts$/, ""))}" tests="${tests.length}" failures="${failures}" errors="0" skipped="${skipped}" time="${time.toFixed(3)}" timestamp="${xml(results.startedAt)}">`,
      properties,
      ...tests.map(testcase),
      "  </testsuite>",
    ].join("\n");
  });
  const failures = results.summary.unexpectedFailures;
  const errors = results.errors.length;
  const errorSuite =
    errors > 0
      ? [`  <testsuite name="gauntlet" tests="${errors}" failures="0" errors="${errors}" skipped="0" time="0">`,
          ...results.errors.map((e, i) => `    <testcase classname="gauntlet" name="error ${i + 1}"><error message="${xml(e.split("\n")[0] ?? "")}">${xml(e)}</error></testcase>`),
          "  </testsuite>"].join("\n")
      : "";
  return [
    `<?xml version="1.0" encoding="UTF-8"?>`,
    `<testsuites name="gauntlet ${xml(results.target.implementation)}" tests="${results.summary.total}" failures="${failures}" errors="${errors}" skipped="${results.summary.skipped + results.summary.expectedFailures}" time="${(results.durationMs / 1000).toFixed(3)}">`,
    ...suites,
    ...(errorSuite ? [errorSuite] : []),
    "</testsuites>",
    "",
  ].join("\n");
}
