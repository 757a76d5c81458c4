import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { Environment } from "../../../src/env/environment.ts";
import { PODMAN_SOCKET } from "../../../src/env/podman.ts";
import { setupPodman } from "../../../src/env/setup.ts";
import type { RunResults } from "../../../src/run/results.ts";
import { runCli } from "../env/cli.ts";
import { leftovers, nothingLeft } from "../env/leftovers.ts";
import { exchangeMessage } from "../env/matrix.ts";

const podmanInstalled = spawnSync("sh", ["-c", "command -v podman"], { stdio: "ignore" }).status === 0;

// This file's process and the CLI it starts talk to Podman only; other files keep their engine.
if (podmanInstalled) process.env.DOCKER_HOST = `unix://${PODMAN_SOCKET}`;

const title = "on Podman through its Docker-compatible API";
describe.skipIf(!podmanInstalled)(podmanInstalled ? title : `${title} (skipped: podman is not installed; \`gauntlet setup --podman\` installs it)`, () => {
  test("env up on Podman: two users exchange a message through /sync, and env down leaves nothing behind", async () => {
    await setupPodman(() => {});
    const up = await runCli(["env", "up", "--json"], { timeoutMs: 600_000 });
    expect(up.code, up.stderr).toBe(0);
    const view = JSON.parse(up.stdout) as { runId: string };
    const hs = Environment.load(view.runId).homeserver("hs1");
    const { alice } = await exchangeMessage(hs, "hello from Podman");
    expect(alice.userId).toMatch(new RegExp(`:${hs.serverName}$`));

    const ports = [new URL(hs.baseUrl).port, hs.federationUrl.split(":").at(-1)].map(Number);
    const down = await runCli(["env", "down", view.runId]);
    expect(down.code, down.stderr).toBe(0);
    expect(await leftovers(view.runId, ports)).toEqual(nothingLeft);
  });

  test("gauntlet run on Podman: the login suite passes its gate and the environment is removed", async () => {
    await setupPodman(() => {});
    const out = mkdtempSync(join(tmpdir(), "gauntlet-podman-run-"));
    const run = await runCli(["run", "--suite", "client/login", "--out", out], { timeoutMs: 600_000 });
    expect(run.stdout, run.stderr).toContain("gate: PASSED");
    expect(run.code).toBe(0);
    const results = JSON.parse(readFileSync(join(out, "results.json"), "utf8")) as RunResults;
    expect(results.summary.unexpectedFailures).toBe(0);
    expect(results.tests.every((t) => t.id.startsWith("client/login::"))).toBe(true);
    const runId = /environment (\S+) ready/.exec(run.stderr)?.[1];
    expect(runId, run.stderr).toBeDefined();
    expect(await leftovers(runId!, [])).toEqual(nothingLeft);
  });
});
