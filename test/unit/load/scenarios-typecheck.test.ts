import { execFile } from "node:child_process";
import { readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { expect, test } from "vitest";

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
const TSC = `${ROOT}node_modules/typescript/bin/tsc`;

test("every scenario and its helpers type-check against @types/k6", async () => {
  const scenarios = readdirSync(`${ROOT}scenarios`).filter((file) => file.endsWith(".ts"));
  expect(scenarios).toEqual(
    expect.arrayContaining(["send-throughput.ts", "delivery-latency.ts", "initial-sync.ts", "incremental-sync.ts", "room-ops.ts", "login.ts"]),
  );
  const { stdout } = await promisify(execFile)(process.execPath, [TSC, "--noEmit", "--listFilesOnly", "-p", "scenarios/tsconfig.json"], { cwd: ROOT });
  for (const file of [...scenarios, "lib/matrix.ts"]) expect(stdout).toContain(`scenarios/${file}`);
  // Against k6's declarations, not Node's: a scenario using a Node API would not run in k6.
  expect(stdout).toContain("@types/k6/");
  expect(stdout).not.toContain("@types/node/");
  // tsc exits non-zero (and execFile rejects) on any type error.
  await expect(promisify(execFile)(process.execPath, [TSC, "--noEmit", "-p", "scenarios/tsconfig.json"], { cwd: ROOT })).resolves.toBeDefined();
}, 60_000);
