import { execFile } from "node:child_process";
import { createHash, randomUUID } from "node:crypto";
import { existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import type { RunResults, TestRecord } from "../src/run/results.ts";

function md5(text: string): string {
  return createHash("md5").update(text).digest("hex");
}

function allureStatus(test: TestRecord): "passed" | "failed" | "skipped" {
  if (test.status === "skipped") return "skipped";
  return test.status === "passed" ? "passed" : "failed";
}

/** One allure-results JSON document per test (the Allure 2 result format). */
export function allureResult(test: TestRecord, results: RunResults, start: number): Record<string, unknown> {
  const [group] = test.file.split("/");
  const [describe, ...rest] = test.name.split(" > ");
  const labels = [
    { name: "parentSuite", value: group ?? "suites" },
    { name: "suite", value: test.file.replace(/\.test\.ts$/, "") },
    ...(rest.length > 0 && describe ? [{ name: "subSuite", value: describe }] : []),
    ...(test.specSection ? [{ name: "feature", value: test.specSection }] : []),
    ...test.endpoints.map((endpoint) => ({ name: "tag", value: endpoint })),
    { name: "framework", value: "vitest" },
    { name: "host", value: results.target.implementation },
    ...results.target.homeservers.map((hs) => ({ name: "tag", value: `${hs.name}: ${hs.implementation}${hs.version ? ` ${hs.version}` : ""}` })),
  ];
  const expectedNote = test.verdict === "expected-failure" ? `expected failure (${test.expectation?.reason ?? ""})\n` : "";
  const passNote = test.verdict === "unexpected-pass" ? `unexpected pass: the expectations file says ${test.expectation?.reason ?? ""}\n` : "";
  const message = `${expectedNote}${passNote}${test.message ?? ""}`.trim();
  return {
    uuid: randomUUID(),
    historyId: md5(test.id),
    testCaseId: md5(test.id),
    fullName: test.id,
    name: test.name.split(" > ").at(-1),
    description: [test.specSection ? `Spec: ${test.specSection}` : "", ...test.endpoints.map((e) => `- \`${e}\``)].filter(Boolean).join("\n\n"),
    status: allureStatus(test),
    statusDetails: message ? { message: message.split("\n")[0], trace: message, known: test.verdict === "expected-failure" } : {},
    stage: "finished",
    start,
    stop: start + test.durationMs,
    labels,
    links: [
      ...(test.specSection ? [{ name: test.specSection, url: `https://spec.matrix.org/latest/${test.specSection}`, type: "link" }] : []),
      ...(test.expectation?.link ? [{ name: "known issue", url: test.expectation.link, type: "issue" }] : []),
    ],
    parameters: [],
    steps: [],
    attachments: [],
  };
}

/** Writes allure-results: one file per test, categories for expected failures, the environment. */
export function writeAllureResults(results: RunResults, dir: string): void {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const start = Date.parse(results.startedAt) || Date.now();
  for (const test of results.tests) {
    const doc = allureResult(test, results, test.startedAt ?? start);
    writeFileSync(join(dir, `${String(doc.uuid)}-result.json`), JSON.stringify(doc));
  }
  const categories = [
    { name: "Expected failures (expectations file)", matchedStatuses: ["failed"], messageRegex: "^expected failure.*" },
    { name: "Homeserver unreachable or timed out", matchedStatuses: ["failed", "broken"], messageRegex: ".*(HomeserverUnreachableError|no answer from|expected a JSON body).*" },
    { name: "Schema violations", matchedStatuses: ["failed"], messageRegex: ".*violates the spec's schema.*" },
    { name: "Unexpected responses", matchedStatuses: ["failed"], messageRegex: ".*expected HTTP.*" },
  ];
  writeFileSync(join(dir, "categories.json"), JSON.stringify(categories, null, 2));
  const environment: Record<string, string> = {
    implementation: results.target.implementation,
    database: results.target.database ?? "n/a",
    run: results.target.runId ?? "n/a",
  };
  for (const hs of results.target.homeservers) {
    environment[`${hs.name}.implementation`] = hs.implementation;
    environment[`${hs.name}.version`] = hs.version ?? "unknown";
    environment[`${hs.name}.base_url`] = hs.baseUrl;
  }
  writeFileSync(join(dir, "environment.properties"), Object.entries(environment).map(([k, v]) => `${k}=${v}`).join("\n"));
}

function allureBinary(): string | undefined {
  try {
    const require = createRequire(import.meta.url);
    const pkg = require.resolve("allure-commandline/package.json");
    const bin = join(dirname(pkg), "dist", "bin", process.platform === "win32" ? "allure.bat" : "allure");
    return existsSync(bin) ? bin : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Renders the HTML report as one self-contained file (opens offline, from file://). Needs Java;
 * resolves to a reason instead of throwing when the report cannot be made.
 */
export function generateAllureReport(resultsDir: string, reportDir: string, name: string, timeoutMs = 120_000): Promise<{ ok: true; index: string } | { ok: false; reason: string }> {
  const bin = allureBinary();
  if (!bin) return Promise.resolve({ ok: false, reason: "allure-commandline is not installed" });
  return new Promise((resolve) => {
    execFile(bin, ["generate", "--clean", "--single-file", "--name", name, "-o", reportDir, resultsDir], { timeout: timeoutMs }, (error, _stdout, stderr) => {
      const index = join(reportDir, "index.html");
      if (error || !existsSync(index)) {
        const why = /JAVA_HOME|java: not found|No java/i.test(String(stderr)) ? "Java is not installed (Allure needs a JRE)" : (String(stderr).trim().split("\n").at(-1) ?? String(error));
        resolve({ ok: false, reason: why });
      } else {
        resolve({ ok: true, index });
      }
    });
  });
}
