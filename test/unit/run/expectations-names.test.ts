import { execFileSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, test } from "vitest";
import { loadExpectations } from "../../../src/run/expectations.ts";

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
const DIR = `${ROOT}expectations/`;

// The gate reports an entry whose test no longer exists only in a run of that implementation, so
// a renamed test would leave its entry stale (and its failure unexpected) until someone ran it.
describe("the shipped expectations files", () => {
  test("every entry names a test that `gauntlet list` lists", () => {
    const listed = JSON.parse(execFileSync(process.execPath, [`${ROOT}src/cli/main.ts`, "list", "--json"], { cwd: ROOT, encoding: "utf8", timeout: 120_000, maxBuffer: 64 * 1024 * 1024 })) as { tests: { id: string }[] };
    const ids = new Set(listed.tests.map((t) => t.id));
    expect(ids.size).toBeGreaterThan(500);
    const unknown: string[] = [];
    for (const name of readdirSync(DIR).filter((n) => n.endsWith(".json")).sort()) {
      for (const id of Object.keys(loadExpectations(`${DIR}${name}`).expectedFailures)) {
        if (!ids.has(id)) unknown.push(`${name}: ${id}`);
      }
    }
    expect(unknown).toEqual([]);
  }, 180_000);
});
