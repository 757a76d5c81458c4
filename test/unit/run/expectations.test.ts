import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import type { TestRecord } from "../../../src/run/results.ts";
import { UserError } from "../../../src/errors/user-error.ts";
import { evaluateGate, expectationsFor, loadExpectations, type Expectations } from "../../../src/run/expectations.ts";

function record(id: string, status: TestRecord["status"]): TestRecord {
  const [file] = id.split("::");
  return { id, file: `${file}.test.ts`, name: id.split("::")[1] ?? id, status, durationMs: 5, endpoints: [], specSection: null, message: status === "failed" ? "boom" : null };
}

const FILES = ["client/a.test.ts", "client/b.test.ts"];
const tests = [record("client/a::passes", "passed"), record("client/a::fails", "failed"), record("client/b::skipped", "skipped")];

function gate(expectedFailures: Expectations["expectedFailures"], options: { strict?: boolean; tests?: TestRecord[]; selected?: string[]; errors?: string[] } = {}) {
  return evaluateGate({
    tests: options.tests ?? tests,
    allFiles: FILES,
    selectedFiles: options.selected ?? FILES,
    errors: options.errors ?? [],
    expectations: { homeserver: "synapse", expectedFailures },
    strict: options.strict ?? false,
  });
}

const because = { reason: "a known deviation, tracked upstream" };

describe("the gate", () => {
  test("passes with exit 0 when every test passes", () => {
    const verdict = gate({}, { tests: [record("client/a::passes", "passed")] });
    expect(verdict.exitCode).toBe(0);
    expect(verdict.summary).toMatchObject({ passed: 1, unexpectedFailures: 0 });
  });

  test("fails with exit 1 on an unexpected failure", () => {
    const verdict = gate({});
    expect(verdict.exitCode).toBe(1);
    expect(verdict.reasons).toEqual(["1 unexpected failure(s)"]);
    expect(verdict.tests.find((t) => t.id === "client/a::fails")?.verdict).toBe("unexpected-failure");
  });

  test("passes when the only failure is expected, and carries the reason", () => {
    const verdict = gate({ "client/a::fails": because });
    expect(verdict.exitCode).toBe(0);
    const failed = verdict.tests.find((t) => t.id === "client/a::fails");
    expect(failed?.verdict).toBe("expected-failure");
    expect(failed?.expectation?.reason).toBe(because.reason);
  });

  test("lists an unexpected pass but passes without --strict", () => {
    const verdict = gate({ "client/a::fails": because, "client/a::passes": because });
    expect(verdict.exitCode).toBe(0);
    expect(verdict.summary.unexpectedPasses).toBe(1);
    expect(verdict.tests.find((t) => t.id === "client/a::passes")?.verdict).toBe("unexpected-pass");
  });

  test("fails on an unexpected pass with --strict", () => {
    const verdict = gate({ "client/a::fails": because, "client/a::passes": because }, { strict: true });
    expect(verdict.exitCode).toBe(1);
    expect(verdict.reasons).toEqual(["1 unexpected pass(es) under --strict"]);
  });

  test("reports a stale entry (no such test in a selected file, or no such file) and fails on it only with --strict", () => {
    const expectations = { "client/a::fails": because, "client/a::renamed long ago": because, "client/gone::whatever": because };
    const lenient = gate(expectations);
    expect(lenient.exitCode).toBe(0);
    expect(lenient.stale.map((s) => s.id).sort()).toEqual(["client/a::renamed long ago", "client/gone::whatever"]);
    expect(gate(expectations, { strict: true }).exitCode).toBe(1);
  });

  test("does not call an entry stale when its file was not selected in this run", () => {
    const verdict = gate({ "client/b::fails elsewhere": because }, { tests: [record("client/a::passes", "passed")], selected: ["client/a.test.ts"], strict: true });
    expect(verdict.stale).toEqual([]);
    expect(verdict.exitCode).toBe(0);
  });

  test("a skipped test is neither a pass nor a failure, even when expected to fail", () => {
    const verdict = gate({ "client/a::fails": because, "client/b::skipped": because }, { strict: true });
    expect(verdict.tests.find((t) => t.id === "client/b::skipped")?.verdict).toBe("skipped");
    expect(verdict.exitCode).toBe(0);
  });

  test("fails when no test ran, or a file failed to load", () => {
    expect(gate({}, { tests: [record("client/b::skipped", "skipped")] }).reasons).toContain("no test ran (check --suite, --grep and --shard)");
    expect(gate({ "client/a::fails": because }, { errors: ["client/a.test.ts: SyntaxError"] }).exitCode).toBe(1);
  });
});

describe("expectations files", () => {
  const dir = mkdtempSync(join(tmpdir(), "gauntlet-expect-"));

  test("loads a valid file", () => {
    const path = join(dir, "ok.json");
    writeFileSync(path, JSON.stringify({ homeserver: "synapse", expectedFailures: { "client/a::x": { reason: "known and tracked", link: "https://example.org/1" } } }));
    expect(Object.keys(loadExpectations(path).expectedFailures)).toEqual(["client/a::x"]);
  });

  test("rejects an entry without a reason, naming the entry", () => {
    const path = join(dir, "bad.json");
    writeFileSync(path, JSON.stringify({ homeserver: "synapse", expectedFailures: { "client/a::x": { link: "https://example.org/1" } } }));
    expect(() => loadExpectations(path)).toThrow(UserError);
    expect(() => loadExpectations(path)).toThrow(/expectedFailures\.client\/a::x\.reason/);
  });

  test("rejects a key that is not a test id", () => {
    const path = join(dir, "badid.json");
    writeFileSync(path, JSON.stringify({ homeserver: "synapse", expectedFailures: { "just a name": { reason: "known and tracked" } } }));
    expect(() => loadExpectations(path)).toThrow(/a test id/);
  });

  test("a missing file is a user error", () => {
    expect(() => loadExpectations(join(dir, "absent.json"))).toThrow(/does not exist/);
  });

  test("an included file's entries apply, and the including file's own entry wins for the same test", () => {
    const sub = mkdtempSync(join(tmpdir(), "gauntlet-include-"));
    writeFileSync(join(sub, "synapse.json"), JSON.stringify({ homeserver: "synapse", expectedFailures: { "client/a::x": { reason: "synapse fails x" }, "client/a::y": { reason: "synapse fails y" } } }));
    writeFileSync(join(sub, "dendrite.json"), JSON.stringify({ homeserver: "dendrite", expectedFailures: { "client/a::z": { reason: "dendrite fails z" } } }));
    writeFileSync(
      join(sub, "synapse+dendrite.json"),
      JSON.stringify({ homeserver: "synapse+dendrite", include: ["synapse.json", "dendrite.json"], expectedFailures: { "client/a::y": { reason: "in a pair y fails otherwise" } } }),
    );
    const loaded = loadExpectations(join(sub, "synapse+dendrite.json"));
    expect(loaded.homeserver).toBe("synapse+dendrite");
    expect(Object.fromEntries(Object.entries(loaded.expectedFailures).map(([id, entry]) => [id, entry.reason]))).toEqual({
      "client/a::x": "synapse fails x",
      "client/a::y": "in a pair y fails otherwise",
      "client/a::z": "dendrite fails z",
    });
  });

  test("an include that does not exist is a user error naming it", () => {
    const path = join(dir, "includes-absent.json");
    writeFileSync(path, JSON.stringify({ homeserver: "x", include: ["nowhere.json"], expectedFailures: {} }));
    expect(() => loadExpectations(path)).toThrow(UserError);
    expect(() => loadExpectations(path)).toThrow(/includes nowhere\.json, but .*nowhere\.json does not exist/);
  });

  test("files that include each other are a user error showing the cycle", () => {
    writeFileSync(join(dir, "a.json"), JSON.stringify({ homeserver: "a", include: ["b.json"], expectedFailures: {} }));
    writeFileSync(join(dir, "b.json"), JSON.stringify({ homeserver: "b", include: ["a.json"], expectedFailures: {} }));
    expect(() => loadExpectations(join(dir, "a.json"))).toThrow(/includes a\.json, which includes it back/);
  });

  test("a key selects expectations/<key>.json when that file exists, else no expectations", () => {
    expect(expectationsFor("no-such-implementation")).toEqual({ file: null, expectations: null });
    const { file } = expectationsFor("synapse");
    expect(file).toMatch(/expectations\/synapse\.json$/);
    const pair = expectationsFor("synapse+dendrite");
    expect(pair.file).toMatch(/expectations\/synapse\+dendrite\.json$/);
    // The pair's file takes Synapse's entries by inclusion.
    expect(Object.keys(pair.expectations?.expectedFailures ?? {})).toEqual(expect.arrayContaining(Object.keys(expectationsFor("synapse").expectations?.expectedFailures ?? {})));
  });
});
