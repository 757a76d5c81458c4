import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import type { RunResults, TestRecord } from "../../../src/run/results.ts";
import { mergeShardResults } from "../../../src/run/merge.ts";
import { readResultsFile } from "../../../src/run/results-file.ts";

function record(id: string, status: TestRecord["status"]): TestRecord {
  const file = `${id.slice(0, id.indexOf("::"))}.test.ts`;
  return { id, file, name: id.slice(id.indexOf("::") + 2), status, durationMs: 5, endpoints: ["GET /_matrix/client/versions"], specSection: null, message: status === "failed" ? "boom" : null };
}

function shard(index: number, tests: TestRecord[], extra: Partial<RunResults> = {}): RunResults {
  return {
    version: 2,
    tool: "gauntlet",
    startedAt: `2026-11-22T06:0${index}:00.000Z`,
    durationMs: 1000 * index,
    target: { implementation: "synapse", database: "sqlite", runId: `run-${index}`, homeservers: [{ name: "hs1", implementation: "synapse", version: "1.160.0", baseUrl: `http://127.0.0.1:${8000 + index}` }] },
    selection: { suites: ["client"], grep: null, shard: `${index}/2` },
    timings: { environmentMs: 100 * index, suitesMs: 900 * index },
    errors: [],
    expectations: { file: null, strict: false, stale: [] },
    gate: { passed: true, exitCode: 0, reasons: [] },
    summary: { total: tests.length, passed: 0, failed: 0, skipped: 0, unexpectedFailures: 0, expectedFailures: 0, unexpectedPasses: 0, staleExpectations: 0 },
    // A shard's own verdicts must not survive the merge.
    tests: tests.map((t) => ({ ...t, verdict: "pass" })),
    ...extra,
  };
}

const allFiles = ["client/a.test.ts", "client/b.test.ts", "client/c.test.ts"];
const expectations = { homeserver: "synapse", expectedFailures: { "client/b::known > bug": { reason: "a known bug" }, "client/c::gone > test": { reason: "stale" } } };

describe("merging shard results", () => {
  test("tests of every shard side by side, the gate decided again against the expectations", () => {
    const merged = mergeShardResults(
      [
        { source: "one", results: shard(1, [record("client/a::x > passes", "passed")]) },
        { source: "two", results: shard(2, [record("client/b::known > bug", "failed"), record("client/b::y > breaks", "failed")]) },
      ],
      { expectations: { file: "expectations/synapse.json", expectations }, strict: false, allFiles },
    );
    expect(merged.tests.map((t) => [t.id, t.verdict])).toEqual([
      ["client/a::x > passes", "pass"],
      ["client/b::known > bug", "expected-failure"],
      ["client/b::y > breaks", "unexpected-failure"],
    ]);
    expect(merged.summary).toMatchObject({ total: 3, passed: 1, failed: 2, expectedFailures: 1, unexpectedFailures: 1 });
    expect(merged.gate).toMatchObject({ passed: false, exitCode: 1 });
    // client/c ran in no shard, so its entry is not stale; shards ran side by side, so time is the longest shard's.
    expect(merged.expectations.stale).toEqual([]);
    expect(merged.durationMs).toBe(2000);
    expect(merged.timings).toEqual({ environmentMs: 200, suitesMs: 1800 });
    expect(merged.startedAt).toBe("2026-11-22T06:01:00.000Z");
    expect(merged.target).toEqual({ implementation: "synapse", database: "sqlite", runId: null, homeservers: [{ name: "hs1", implementation: "synapse", version: "1.160.0", baseUrl: "http://127.0.0.1:8001" }] });
    expect(merged.selection.shard).toBe("1/2 + 2/2");
  });

  test("errors outside tests keep the shard they came from and fail the gate", () => {
    const merged = mergeShardResults([{ source: "s1/results.json", results: shard(1, [record("client/a::x > passes", "passed")], { errors: ["client/a.test.ts: SyntaxError"] }) }], {
      expectations: { file: null, expectations: null },
      strict: false,
      allFiles,
    });
    expect(merged.errors).toEqual(["s1/results.json: client/a.test.ts: SyntaxError"]);
    expect(merged.gate.passed).toBe(false);
  });

  test("a test in two shards, or shards of different deployments, are refused", () => {
    const options = { expectations: { file: null, expectations: null }, strict: false, allFiles };
    const twice = () => mergeShardResults([{ source: "one", results: shard(1, [record("client/a::x > y", "passed")]) }, { source: "two", results: shard(2, [record("client/a::x > y", "passed")]) }], options);
    expect(twice).toThrow(/client\/a::x > y is in both one and two/);
    const other = shard(2, [record("client/b::x > y", "passed")]);
    other.target.database = "postgres";
    expect(() => mergeShardResults([{ source: "one", results: shard(1, []) }, { source: "two", results: other }], options)).toThrow(/tested synapse on postgres/);
    expect(() => mergeShardResults([], options)).toThrow(/nothing to merge/);
  });

  test("a shard is read from its results.json or the directory holding it; anything else is refused clearly", () => {
    const dir = mkdtempSync(join(tmpdir(), "gauntlet-merge-"));
    writeFileSync(join(dir, "results.json"), JSON.stringify(shard(1, [])));
    expect(readResultsFile(dir).results.target.runId).toBe("run-1");
    expect(readResultsFile(join(dir, "results.json")).source).toBe(join(dir, "results.json"));
    writeFileSync(join(dir, "other.json"), JSON.stringify({ tests: [] }));
    expect(() => readResultsFile(join(dir, "other.json"))).toThrow(/not a results.json of gauntlet run/);
    writeFileSync(join(dir, "old.json"), JSON.stringify({ ...shard(1, []), version: 1 }));
    expect(() => readResultsFile(join(dir, "old.json"))).toThrow(/a results.json of version 1, expected version 2; run it again/);
    expect(() => readResultsFile(join(dir, "missing.json"))).toThrow(/expected a results.json written by gauntlet run/);
  });
});
