import { spawn } from "node:child_process";
import { expect, test } from "vitest";
import { CLI } from "../env/cli.ts";
import { leftovers, nothingLeft } from "../env/leftovers.ts";

// Ctrl-C in a terminal signals the whole process group: gauntlet and its engine process.
// The child runs in its own group here so that the test can signal that group the same way.
test("gauntlet load without --url starts PostgreSQL and Synapse, reports resources on Ctrl-C and tears everything down", async () => {
  const child = spawn(process.execPath, [CLI, "load", "login", "--db", "postgres", "--engine", "node", "--rate", "2", "--duration", "60s", "--env", "GAUNTLET_USERS=2"], {
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  let stdout = "";
  let stderr = "";
  let interruptedAt = 0;
  child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
    // The engine prints its first progress line 5 s into the scenario.
    if (!interruptedAt && /running \d+s:/.test(stderr)) {
      interruptedAt = Date.now();
      process.kill(-child.pid!, "SIGINT");
    }
  });
  const deadline = setTimeout(() => process.kill(-child.pid!, "SIGKILL"), 240_000);
  const code = await new Promise<number | null>((resolve) => child.on("exit", (exitCode) => resolve(exitCode)));
  clearTimeout(deadline);

  expect(interruptedAt, stderr).toBeGreaterThan(0);
  expect(code, stderr).toBe(130);
  expect(stdout).toContain("login_duration");
  expect(stdout).toMatch(/hs1\s+\d+\.\d%/);
  expect(stdout).toMatch(/postgres\s+\d+\.\d%/);
  expect(stdout).toMatch(/database size: hs1 \d+\.\d MB/);
  const runId = /run (\d{4}-[0-9a-f]{6}):/.exec(stderr)?.[1];
  expect(runId, stderr).toBeDefined();
  expect(stderr).toContain(`tearing down run ${runId}`);
  expect(await leftovers(runId!, [])).toEqual(nothingLeft);
});
