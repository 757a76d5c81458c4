import { chmod, copyFile, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, dirname, join } from "node:path";
import { setTimeout as delay } from "node:timers/promises";
import { GenericContainer, ImageName } from "testcontainers";
import { connectEngine } from "../../env/engine.ts";
import { LABEL_ROLE } from "../../env/labels.ts";
import type { LoadEngine, LoadRunRequest, LoadRunResult } from "./load-engine.ts";
import { k6RunArguments } from "./load-engine.ts";
import { readSummaryExport } from "./summary-file.ts";

/** The k6 image: grafana/k6, or GAUNTLET_K6_IMAGE for a mirror or a pinned version. */
export function k6Image(env: NodeJS.ProcessEnv = process.env): string {
  return env.GAUNTLET_K6_IMAGE ?? "grafana/k6:latest";
}

/** Whether the k6 image is already on this machine: `auto` never waits on a pull. */
export async function k6ImagePresent(image: string): Promise<boolean> {
  try {
    const { runtime } = await connectEngine();
    return await runtime.image.exists(ImageName.fromString(image));
  } catch {
    return false;
  }
}

/**
 * k6 from the grafana/k6 image. Host networking lets it reach a homeserver on 127.0.0.1; the
 * script's directory is mounted read-only (scenarios import ./lib), the summary comes back
 * through a mounted output directory.
 */
export function k6ContainerEngine(image: string): LoadEngine {
  return {
    name: "k6",
    runsIn: "container",
    description: `k6 in container image ${image}`,
    run: (request) => runInContainer(image, request),
  };
}

async function runInContainer(image: string, request: LoadRunRequest): Promise<LoadRunResult> {
  const { runtime } = await connectEngine();
  const output = await mkdtemp(join(tmpdir(), "gauntlet-k6-"));
  // The image runs k6 as an unprivileged user, which must be able to write the summary.
  await chmod(output, 0o777);
  const args = k6RunArguments(request, `/scripts/${basename(request.scriptPath)}`, "/output/summary.json");
  const container = await new GenericContainer(image)
    .withNetworkMode("host")
    .withLabels({ [LABEL_ROLE]: "load-engine" })
    .withBindMounts([
      { source: dirname(request.scriptPath), target: "/scripts", mode: "ro" },
      { source: output, target: "/output", mode: "rw" },
    ])
    .withCommand(args)
    .start();
  try {
    // A quiet run reports from the summary export; k6's own summary would only repeat it.
    if (!request.quiet) (await container.logs()).on("data", (line: Buffer | string) => process.stdout.write(line));
    const handle = runtime.container.getById(container.getId());
    let exitCode: number | undefined;
    while (exitCode === undefined) {
      const info = await runtime.container.inspect(handle);
      if (!info.State.Running) exitCode = info.State.ExitCode;
      else await delay(500);
    }
    await copyFile(join(output, "summary.json"), request.summaryExportPath).catch(() => undefined);
    return { exitCode, summary: await readSummaryExport(request.summaryExportPath) };
  } finally {
    await container.stop({ remove: true }).catch(() => undefined);
    await rm(output, { recursive: true, force: true });
  }
}
