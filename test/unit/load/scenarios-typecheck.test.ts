import { execFile } from "node:child_process";
import { mkdtempSync, mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, expect, test } from "vitest";

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
const TSC = `${ROOT}node_modules/typescript/bin/tsc`;

/** tsc's diagnostics for a project as `file(line,col): TScode`, and its exit code (0 only without errors). */
async function diagnostics(project: string): Promise<{ exitCode: number; errors: string[] }> {
  const run = promisify(execFile)(process.execPath, [TSC, "--noEmit", "--pretty", "false", "-p", project], { cwd: ROOT });
  const { stdout, exitCode } = await run.then(
    (r) => ({ stdout: r.stdout, exitCode: 0 }),
    (error: { stdout: string; code: number }) => ({ stdout: error.stdout, exitCode: error.code }),
  );
  const errors = stdout.split("\n").flatMap((line) => {
    const match = /^(.+?)\((\d+),(\d+)\): error (TS\d+):/.exec(line);
    return match ? [`${match[1]}(${match[2]},${match[3]}): ${match[4]}`] : [];
  });
  return { exitCode, errors };
}

// A scratch project beside the repository's node_modules, so it resolves k6's types the way scenarios/ does.
const cacheDir = join(ROOT, "node_modules", ".cache");
mkdirSync(cacheDir, { recursive: true });
const scratch = mkdtempSync(join(cacheDir, "gauntlet-scenario-typecheck-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

test("every scenario and its helpers type-check against @types/k6 with no diagnostics", async () => {
  const scenarios = readdirSync(`${ROOT}scenarios`).filter((file) => file.endsWith(".ts"));
  expect(scenarios).toEqual(
    expect.arrayContaining(["send-throughput.ts", "delivery-latency.ts", "initial-sync.ts", "incremental-sync.ts", "room-ops.ts", "login.ts"]),
  );
  const { stdout } = await promisify(execFile)(process.execPath, [TSC, "--noEmit", "--listFilesOnly", "-p", "scenarios/tsconfig.json"], { cwd: ROOT });
  for (const file of [...scenarios, "lib/matrix.ts"]) expect(stdout).toContain(`scenarios/${file}`);
  // Against k6's declarations, not Node's: a scenario using a Node API would not run in k6.
  expect(stdout).toContain("@types/k6/");
  expect(stdout).not.toContain("@types/node/");
  expect(await diagnostics("scenarios/tsconfig.json")).toEqual({ exitCode: 0, errors: [] });
}, 60_000);

test("the same settings report a Node import (TS2307) and a wrong k6 response type (TS2322) in a broken scenario", async () => {
  writeFileSync(join(scratch, "tsconfig.json"), JSON.stringify({ extends: relative(scratch, join(ROOT, "scenarios", "tsconfig.json")), include: ["broken.ts"] }));
  writeFileSync(
    join(scratch, "broken.ts"),
    [
      'import http from "k6/http";',
      'import { readFileSync } from "node:fs";',
      "",
      "export default async function (): Promise<void> {",
      '  const status: string = (await http.asyncRequest("GET", "http://127.0.0.1/")).status;',
      "  readFileSync(status);",
      "}",
      "",
    ].join("\n"),
  );
  const file = relative(ROOT, join(scratch, "broken.ts"));
  expect(await diagnostics(relative(ROOT, join(scratch, "tsconfig.json")))).toEqual({ exitCode: 2, errors: [`${file}(2,30): TS2307`, `${file}(5,9): TS2322`] });
}, 60_000);
