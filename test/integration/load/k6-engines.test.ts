// The k6 paths of `gauntlet load --engine k6` against a real Synapse: a k6 binary (K6_BIN or
// k6 on PATH) and, without one, the k6 image (GAUNTLET_K6_IMAGE, else grafana/k6). Each test
// runs where its k6 is present and otherwise skips, saying what is missing.
import { spawn } from "node:child_process";
import { accessSync, constants } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { type Environment, startEnvironment } from "../../../src/env/environment.ts";
import { findK6Binary } from "../../../src/load/engines/k6-binary.ts";
import { k6Image, k6ImagePresent } from "../../../src/load/engines/k6-container.ts";
import type { SummaryExport } from "../../../src/load/summary/summary-export.ts";
import { CLI } from "../env/cli.ts";

const BINARY = findK6Binary();
const IMAGE = k6Image();
const IMAGE_PRESENT = await k6ImagePresent(IMAGE);

/** PATH without the directories holding a k6, so that only the image is left. */
function pathWithoutK6(): string {
  return (process.env.PATH ?? "")
    .split(delimiter)
    .filter((dir) => {
      try {
        accessSync(join(dir, "k6"), constants.X_OK);
        return false;
      } catch {
        return true;
      }
    })
    .join(delimiter);
}

interface LoadOutcome {
  code: number | null;
  output: string;
  summary: SummaryExport | undefined;
}

async function loadLogin(baseUrl: string, summaryFile: string, env: NodeJS.ProcessEnv): Promise<LoadOutcome> {
  const args = [CLI, "load", "login", "--engine", "k6", "--url", baseUrl, "--rate", "2", "--duration", "3s", "--env", "GAUNTLET_USERS=2", "--summary-export", summaryFile];
  const child = spawn(process.execPath, args, { env, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const deadline = setTimeout(() => child.kill("SIGKILL"), 180_000);
  const code = await new Promise<number | null>((resolve) => child.on("exit", resolve));
  clearTimeout(deadline);
  const summary = await readFile(summaryFile, "utf8").then((text) => JSON.parse(text) as SummaryExport, () => undefined);
  return { code, output, summary };
}

/** What a finished login run on real k6 must show: k6 exited 0 and measured both logins' latency. */
function expectMeasuredLogins(outcome: LoadOutcome): void {
  expect(outcome.code, outcome.output).toBe(0);
  expect(outcome.summary?.metrics.login_duration?.count, outcome.output).toBeGreaterThanOrEqual(5);
  expect(outcome.summary?.metrics.login_ok?.value, outcome.output).toBe(1);
}

describe("gauntlet load --engine k6 against Synapse", () => {
  let environment: Environment;
  let directory: string;
  beforeAll(async () => {
    // Neither k6 is here: both tests skip, so no homeserver is needed.
    if (!BINARY && !IMAGE_PRESENT) return;
    environment = await startEnvironment({ database: "sqlite", servers: 1, harnessServices: false });
    directory = await mkdtemp(join(tmpdir(), "gauntlet-k6-engines-"));
  });
  afterAll(async () => {
    await environment?.stop();
    if (directory) await rm(directory, { recursive: true, force: true });
  });

  test("with a k6 binary, --engine k6 runs the scenario on that binary and its summary export has the headline metric", async ({ skip }) => {
    if (!BINARY) skip("no k6 binary here: set K6_BIN or put k6 on PATH");
    const outcome = await loadLogin(environment.homeserver("hs1").baseUrl, join(directory, "binary.json"), { ...process.env, K6_BIN: BINARY });
    expect(outcome.output).toMatch(new RegExp(`with k6 v\\d+\\.\\d+\\.\\d+.*\\(${BINARY!.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}\\)`));
    expectMeasuredLogins(outcome);
  });

  test("without a k6 binary, --engine k6 runs the scenario in the k6 image and its summary export has the headline metric", async ({ skip }) => {
    if (!IMAGE_PRESENT) skip(`no ${IMAGE} image here: build or load one, or name a local k6 image in GAUNTLET_K6_IMAGE`);
    const env: NodeJS.ProcessEnv = { ...process.env, PATH: pathWithoutK6(), GAUNTLET_K6_IMAGE: IMAGE };
    delete env.K6_BIN;
    const outcome = await loadLogin(environment.homeserver("hs1").baseUrl, join(directory, "container.json"), env);
    expect(outcome.output).toContain(`with k6 in container image ${IMAGE}`);
    expectMeasuredLogins(outcome);
  });
});
