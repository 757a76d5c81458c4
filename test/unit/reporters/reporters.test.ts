import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { allureResult, writeAllureResults } from "../../../reporters/allure.ts";
import { renderJunit } from "../../../reporters/junit.ts";
import { renderMarkdown } from "../../../reporters/markdown.ts";
import { testId, type RunResults, type TestRecord } from "../../../src/run/results.ts";
import { renderTerminal } from "../../../reporters/terminal.ts";

const base = { file: "client/rooms.test.ts", durationMs: 12, endpoints: ["POST /_matrix/client/v3/createRoom"], specSection: "client-server-api/#creation" };
const tests: TestRecord[] = [
  { ...base, id: "client/rooms::creates <a> room & more", name: "creates <a> room & more", status: "passed", message: null, verdict: "pass" },
  { ...base, id: "client/rooms::rejects", name: "rejects", status: "failed", message: 'expected HTTP 400, got 500\n← {"errcode":"M_UNKNOWN"}', verdict: "unexpected-failure" },
  { ...base, id: "client/rooms::known", name: "known", status: "failed", message: "fails as known", verdict: "expected-failure", expectation: { reason: "tracked upstream", link: "https://example.org/1" } },
  { ...base, id: "client/rooms::fixed", name: "fixed", status: "passed", message: null, verdict: "unexpected-pass", expectation: { reason: "was broken" } },
];

const results: RunResults = {
  version: 2,
  tool: "gauntlet",
  startedAt: "2026-01-01T00:00:00.000Z",
  durationMs: 1234,
  target: {
    implementation: "synapse+dendrite",
    database: "sqlite",
    runId: "r1",
    homeservers: [
      { name: "hs1", implementation: "synapse", version: "1.160.0", baseUrl: "http://127.0.0.1:1" },
      { name: "hs2", implementation: "dendrite", version: null, baseUrl: "http://127.0.0.1:2" },
    ],
  },
  selection: { suites: [], grep: null, shard: null },
  timings: { environmentMs: 100, suitesMs: 1000 },
  errors: [],
  expectations: { file: "expectations/synapse.json", strict: false, stale: [{ id: "client/rooms::gone", reason: "client/rooms.test.ts has no test of this name" }] },
  gate: { passed: false, exitCode: 1, reasons: ["1 unexpected failure(s)"] },
  summary: { total: 4, passed: 2, failed: 2, skipped: 0, unexpectedFailures: 1, expectedFailures: 1, unexpectedPasses: 1, staleExpectations: 1 },
  tests,
};

describe("test ids", () => {
  test("are the file under suites/ without .test.ts, then the name path", () => {
    expect(testId("client/rooms/create-room.test.ts", ["create", "rejects an unknown room version"])).toBe("client/rooms/create-room::create > rejects an unknown room version");
  });
});

describe("JUnit", () => {
  const xml = renderJunit(results);
  test("escapes names and marks only unexpected failures as failures", () => {
    expect(xml).toContain('name="creates &lt;a&gt; room &amp; more"');
    expect(xml.match(/<failure /g)).toHaveLength(1);
    expect(xml).toContain('<skipped message="expected failure: tracked upstream"/>');
    expect(xml).toContain('<testsuites name="gauntlet synapse+dendrite" tests="4" failures="1"');
  });
  test("names each homeserver's implementation and version as testsuite properties", () => {
    const suite = xml.slice(xml.indexOf("<testsuite "), xml.indexOf("<testcase"));
    expect(suite).toContain('<property name="implementation" value="synapse+dendrite"/>');
    expect(suite).toContain('<property name="hs1.implementation" value="synapse"/>');
    expect(suite).toContain('<property name="hs1.version" value="1.160.0"/>');
    expect(suite).toContain('<property name="hs2.implementation" value="dendrite"/>');
    expect(suite).toContain('<property name="hs2.version" value="unknown"/>');
  });
  test("carries the endpoints and spec section as properties", () => {
    expect(xml).toContain('<property name="endpoint" value="POST /_matrix/client/v3/createRoom"/>');
    expect(xml).toContain('<property name="spec_section" value="client-server-api/#creation"/>');
  });
});

describe("Markdown", () => {
  const md = renderMarkdown(results);
  test("states the verdict and lists unexpected failures, passes and stale entries", () => {
    expect(md).toContain("## Gauntlet: synapse+dendrite on sqlite: ❌ failed: 1 unexpected failure(s)");
    expect(md).toContain("### Unexpected failures (1)");
    expect(md).toContain("- `client/rooms::fixed` (was: was broken)");
    expect(md).toContain("- `client/rooms::gone`: client/rooms.test.ts has no test of this name");
  });
  test("names each homeserver's implementation and version", () => {
    expect(md).toContain("- hs1: synapse 1.160.0 at `http://127.0.0.1:1`");
    expect(md).toContain("- hs2: dendrite (version unknown) at `http://127.0.0.1:2`");
  });
});

describe("terminal", () => {
  test("ends with the gate line", () => {
    const text = renderTerminal(results, { json: "/tmp/results.json" });
    expect(text).toContain("✗ client/rooms::rejects");
    expect(text.trim().split("\n").at(-1)).toBe("gate: FAILED (1 unexpected failure(s))");
  });
  test("names each homeserver's implementation and version", () => {
    expect(renderTerminal(results, {})).toContain("target: hs1 synapse 1.160.0, hs2 dendrite on sqlite");
  });
});

describe("Allure", () => {
  test("a result has a stable history id, labels per spec section and endpoint, and the known-issue link", () => {
    const known = allureResult(tests[2]!, results, 1000);
    const again = allureResult(tests[2]!, results, 2000);
    expect(known.historyId).toBe(again.historyId);
    expect(known.status).toBe("failed");
    expect(known.statusDetails).toMatchObject({ known: true, message: "expected failure (tracked upstream)" });
    expect(known.labels).toEqual(expect.arrayContaining([{ name: "feature", value: "client-server-api/#creation" }, { name: "tag", value: "POST /_matrix/client/v3/createRoom" }]));
    expect(known.links).toEqual(expect.arrayContaining([{ name: "known issue", url: "https://example.org/1", type: "issue" }]));
  });
  test("the environment and labels name each homeserver's implementation and version", () => {
    const dir = mkdtempSync(join(tmpdir(), "gauntlet-allure-"));
    writeAllureResults(results, dir);
    const environment = readFileSync(join(dir, "environment.properties"), "utf8").split("\n");
    expect(environment).toEqual(expect.arrayContaining(["implementation=synapse+dendrite", "hs1.implementation=synapse", "hs1.version=1.160.0", "hs2.implementation=dendrite", "hs2.version=unknown"]));
    const labels = allureResult(tests[0]!, results, 1000).labels;
    expect(labels).toEqual(expect.arrayContaining([{ name: "host", value: "synapse+dendrite" }, { name: "tag", value: "hs1: synapse 1.160.0" }, { name: "tag", value: "hs2: dendrite" }]));
  });
});
