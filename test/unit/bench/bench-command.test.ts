import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { expect, test } from "vitest";
import { craftedResults, craftedRun } from "./crafted-results.ts";

const MAIN = fileURLToPath(new URL("../../../src/cli/main.ts", import.meta.url));
// A deadline, not a speed target: the CLI loads its TypeScript sources on start, which takes
// several seconds on two busy cores.
const CLI_DEADLINE_MS = 45_000;

async function gauntlet(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [MAIN, ...args], { timeout: CLI_DEADLINE_MS });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

// Exit 2 is yargs' usage error (a value outside --db's choices); 1 is Gauntlet's own refusal.
test.each([
  [["--db", "sqlite,mysql"], 2, 'Given: "mysql"'],
  [["--scenarios", "delivery-latency,nope"], 1, 'no bench scenario "nope"'],
  [["--repeat", "0"], 1, "--repeat 0: expected a whole number"],
  [["--duration", "soon"], 1, '--duration soon: "soon" is not a duration'],
  [["--db", "postgres,postgres"], 1, "names something twice"],
  [["--scenarios", "scale-join"], 1, "--scenarios scale-join: runs against a seeded workload; add --scale"],
  [["--scale", "rooms=0"], 1, "--scale rooms=0: expected a whole number from 1 to 10000"],
  [["--scale", "small", "--slo", "p99>5ms"], 1, "--slo p99>5ms: expected a latency percentile under a threshold"],
] as const)("gauntlet bench %j is refused before anything starts", async (args, expectedCode, message) => {
  const { code, stderr } = await gauntlet("bench", ...args);
  expect(code).toBe(expectedCode);
  expect(stderr).toContain(message);
  expect(stderr).not.toMatch(/\n\s+at /);
}, CLI_DEADLINE_MS + 10_000);

test("--from-results redraws the report and prints the ratio table without running anything", async () => {
  const directory = await mkdtemp(join(tmpdir(), "gauntlet-bench-cli-"));
  try {
    const results = craftedResults([
      craftedRun("sqlite", 1, { med: 10, p95: 20, p99: 30, max: 40 }),
      craftedRun("postgres", 1, { med: 30, p95: 40, p99: 60, max: 80 }),
    ], 1);
    await writeFile(join(directory, "results.json"), JSON.stringify(results));
    const { code, stdout } = await gauntlet("bench", "--from-results", join(directory, "results.json"));
    expect(code).toBe(0);
    expect(stdout).toMatch(/send_latency p50\s+10\.0 ms\s+30\.0 ms\s+3\.00×/);
    expect(await readFile(join(directory, "report.html"), "utf8")).toContain('data-key="send_latency:p50"');
    await writeFile(join(directory, "bad.json"), JSON.stringify({ version: 1 }));
    const refused = await gauntlet("bench", "--from-results", join(directory, "bad.json"));
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("not a gauntlet bench results file");
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
}, 2 * CLI_DEADLINE_MS + 10_000);
