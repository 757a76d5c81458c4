import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { expect, test } from "vitest";

const MAIN = fileURLToPath(new URL("../../../src/cli/main.ts", import.meta.url));

async function gauntlet(...args: string[]): Promise<{ code: number; stderr: string }> {
  try {
    const { stderr } = await promisify(execFile)(process.execPath, [MAIN, ...args], { timeout: 20_000 });
    return { code: 0, stderr };
  } catch (error) {
    const failed = error as { code: number; stderr: string };
    return { code: failed.code, stderr: failed.stderr };
  }
}

test("without --url, gauntlet load says to pass the homeserver's base URL", async () => {
  const { code, stderr } = await gauntlet("load", "send-throughput");
  expect(code).toBe(1);
  expect(stderr).toContain("pass --url");
  expect(stderr).not.toMatch(/\n\s+at /);
});

test("an unknown scenario is named along with the ones that exist", async () => {
  const { code, stderr } = await gauntlet("load", "no-such-scenario", "--url", "http://127.0.0.1:9");
  expect(code).toBe(1);
  expect(stderr).toContain('no scenario "no-such-scenario"');
  expect(stderr).toContain("delivery-latency");
});

test("a malformed --env pair is refused with the form expected", async () => {
  const { code, stderr } = await gauntlet("load", "login", "--url", "http://127.0.0.1:9", "--env", "NOEQUALS");
  expect(code).toBe(1);
  expect(stderr).toContain("expected KEY=VALUE");
});
