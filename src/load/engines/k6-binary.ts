import { execFile } from "node:child_process";
import { accessSync, constants } from "node:fs";
import { delimiter, join } from "node:path";
import { promisify } from "node:util";
import type { LoadEngine, LoadRunRequest, LoadRunResult } from "./load-engine.ts";
import { k6RunArguments } from "./load-engine.ts";
import { runAttached } from "./child-process.ts";
import { readSummaryExport } from "./summary-file.ts";

/** The k6 binary named by K6_BIN, else the first `k6` on PATH; undefined when there is none. */
export function findK6Binary(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const candidates = env.K6_BIN ? [env.K6_BIN] : (env.PATH ?? "").split(delimiter).filter(Boolean).map((dir) => join(dir, "k6"));
  return candidates.find((candidate) => {
    try {
      accessSync(candidate, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

/** A k6 binary as an engine; k6 runs TypeScript scripts itself. */
export async function k6BinaryEngine(binary: string): Promise<LoadEngine> {
  const { stdout } = await promisify(execFile)(binary, ["version"], { timeout: 10_000 });
  return {
    name: "k6",
    runsIn: "child-process",
    description: `${stdout.trim().split("\n")[0]} (${binary})`,
    async run(request: LoadRunRequest): Promise<LoadRunResult> {
      const exitCode = await runAttached(binary, k6RunArguments(request), { showStdout: !request.quiet });
      return { exitCode, summary: await readSummaryExport(request.summaryExportPath) };
    },
  };
}
