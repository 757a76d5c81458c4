import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ChildProcess } from "node:child_process";
import { describe, expect, test } from "vitest";
import { connectEngine } from "../../../src/env/engine.ts";
import { LABEL_ROLE, LABEL_RUN } from "../../../src/env/labels.ts";
import type { RunResults } from "../../../src/run/results.ts";
import { runCli, type CliResult } from "../env/cli.ts";
import { leftovers, nothingLeft } from "../env/leftovers.ts";

// Faults during `gauntlet run`, with real containers: what dies or stalls is reported as the
// cause, the remaining tests fail at once, the reports are written and nothing is left behind.

const RUN_ID = /run (\d{4}-[0-9a-f]{6})/;

interface FaultRun {
  result: CliResult;
  runId: string;
  results: RunResults;
  /** From the fault to the run's exit. */
  verdictMs: number;
}

async function containerOf(runId: string, role: string) {
  const { docker } = await connectEngine();
  const [info] = await docker.listContainers({ all: true, filters: { label: [`${LABEL_RUN}=${runId}`, `${LABEL_ROLE}=${role}`] } });
  if (!info) throw new Error(`run ${runId} has no ${role} container`);
  return docker.getContainer(info.Id);
}

/** Runs the client suites and, once `passedBefore` tests have passed, does `fault` to the run's deployment. */
async function runWithFault(extraArgs: string[], fault: (runId: string) => Promise<void>, passedBefore = 5): Promise<FaultRun> {
  const out = join(mkdtempSync(join(tmpdir(), "gauntlet-fault-")), "out");
  let runId = "";
  let faultAt = 0;
  let faulting: Promise<void> | undefined;
  const result = await runCli(["run", "--servers", "1", "--suite", "client", "--out", out, "--no-allure", ...extraArgs], {
    timeoutMs: 300_000,
    onStderr: (stderr) => {
      runId ||= RUN_ID.exec(stderr)?.[1] ?? "";
      if (!faulting && runId && (stderr.match(/^✓ /gm)?.length ?? 0) >= passedBefore) {
        faultAt = Date.now();
        faulting = fault(runId);
      }
    },
  });
  await faulting;
  expect(faultAt, `the run ended before ${passedBefore} tests passed:\n${result.stderr.slice(-3000)}`).toBeGreaterThan(0);
  return { result, runId, results: JSON.parse(readFileSync(join(out, "results.json"), "utf8")) as RunResults, verdictMs: Date.now() - faultAt };
}

function failedBecause(results: RunResults, text: string): number {
  return results.tests.filter((t) => t.status === "failed" && (t.message ?? "").includes(text)).length;
}

describe("gauntlet run when the deployment fails under it", () => {
  test("a homeserver killed mid-suite: exit 1, the crash with its last log lines, the rest fail at once, nothing left", async () => {
    const { result, runId, results, verdictMs } = await runWithFault([], async (id) => {
      await (await containerOf(id, "hs1")).kill();
    });
    expect(result.code).toBe(1);
    expect(results.errors[0]).toMatch(/^hs1 \(synapse\) stopped during the suites: its container exited with code 137/);
    expect(results.errors[0]).toContain("its last log lines:");
    expect(failedBecause(results, "hs1 is down, so this test did not run against it")).toBeGreaterThan(10);
    expect(results.gate.passed).toBe(false);
    // Without fail-fast every remaining test would wait for its own request timeout (15 s each).
    expect(verdictMs).toBeLessThan(90_000);
    expect(await leftovers(runId, [])).toEqual(nothingLeft);
    console.log(`homeserver killed: verdict ${(verdictMs / 1000).toFixed(1)} s after the kill; ${failedBecause(results, "hs1 is down")} tests failed with the cause`);
  });

  test("PostgreSQL killed mid-suite: exit 1 and the database named as the cause", async () => {
    const { result, runId, results, verdictMs } = await runWithFault(["--db", "postgres"], async (id) => {
      await (await containerOf(id, "postgres")).kill();
    });
    expect(result.code).toBe(1);
    expect(results.errors[0]).toMatch(/^PostgreSQL, the database of hs1, stopped during the suites: its container exited with code 137/);
    expect(failedBecause(results, "hs1 is down")).toBeGreaterThan(10);
    expect(verdictMs).toBeLessThan(90_000);
    expect(await leftovers(runId, [])).toEqual(nothingLeft);
    console.log(`PostgreSQL killed: verdict ${(verdictMs / 1000).toFixed(1)} s after the kill`);
  });

  test("a homeserver that stops answering: its stall is reported and the run ends within the stated bound", async () => {
    const { result, runId, results, verdictMs } = await runWithFault(["--request-timeout", "5"], async (id) => {
      await (await containerOf(id, "hs1")).pause();
    });
    expect(result.code).toBe(1);
    expect(results.errors[0]).toMatch(/^hs1 stopped answering during the suites: GET \/_matrix\/client\/versions got no answer within 2000 ms for \d+ s/);
    expect(failedBecause(results, "hs1 is down")).toBeGreaterThan(10);
    // The bound: 20 s of silence before the stall is declared, plus one request timeout (5 s) for
    // tests in flight, plus the teardown; the README states it.
    expect(verdictMs).toBeLessThan(60_000);
    expect(await leftovers(runId, [])).toEqual(nothingLeft);
    console.log(`homeserver stalled: verdict ${(verdictMs / 1000).toFixed(1)} s after the pause`);
  });

  test("a run killed with SIGKILL leaves its environment, and the next run removes it", async () => {
    let killed: ChildProcess | undefined;
    let runId = "";
    await runCli(["run", "--servers", "1", "--suite", "client/discovery", "--out", join(mkdtempSync(join(tmpdir(), "gauntlet-fault-")), "out"), "--no-allure"], {
      timeoutMs: 300_000,
      onStderr: (stderr, child) => {
        runId ||= RUN_ID.exec(stderr)?.[1] ?? "";
        if (!killed && /^running \d+ suite file/m.test(stderr)) {
          killed = child;
          child.kill("SIGKILL");
        }
      },
    });
    expect(killed, "the run was never seen running its suites").toBeDefined();
    expect((await leftovers(runId, [])).containers.length, "a run killed with SIGKILL cannot tear down").toBeGreaterThan(0);
    const next = await runCli(["run", "--servers", "1", "--suite", "client/discovery", "--out", join(mkdtempSync(join(tmpdir(), "gauntlet-fault-")), "out"), "--no-allure"], { timeoutMs: 300_000 });
    expect(next.stderr).toContain(`removed run ${runId}, left behind by a gauntlet run`);
    expect(await leftovers(runId, [])).toEqual(nothingLeft);
  });
});
