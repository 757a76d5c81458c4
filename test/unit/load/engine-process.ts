import { spawn } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { SummaryExport } from "../../../src/load/summary/summary-export.ts";

const ENGINE_MAIN = new URL("../../../src/load/node-engine/main.ts", import.meta.url).pathname;

export interface EngineOutcome {
  readonly exitCode: number;
  readonly summary: SummaryExport;
  readonly stderr: string;
  readonly wallMs: number;
}

/** Runs a k6 script (given as source) with the node engine in its own process, as `gauntlet load` does. */
export async function runScript(
  source: string,
  env: Record<string, string> = {},
  trendStats?: string,
  modules: Record<string, string> = {},
  /** More of k6's command-line flags, e.g. ["--execution-segment", "0:1/2"]. */
  flags: string[] = [],
): Promise<EngineOutcome> {
  const directory = await mkdtemp(join(tmpdir(), "gauntlet-engine-test-"));
  try {
    const script = join(directory, "script.ts");
    const summaryFile = join(directory, "summary.json");
    await writeFile(script, source);
    // Modules the script imports by relative path, e.g. { "counter.ts": "export let n = 0;" }.
    for (const [name, text] of Object.entries(modules)) await writeFile(join(directory, name), text);
    const args = [ENGINE_MAIN, "run", "--quiet", "--no-summary", "--summary-export", summaryFile];
    for (const [key, value] of Object.entries(env)) args.push("-e", `${key}=${value}`);
    if (trendStats) args.push("--summary-trend-stats", trendStats);
    args.push(...flags, script);
    const startedAt = performance.now();
    const child = spawn(process.execPath, args, { stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
    const exitCode = await new Promise<number>((resolve) => child.on("exit", (code) => resolve(code ?? -1)));
    const wallMs = performance.now() - startedAt;
    const summary = JSON.parse(await readFile(summaryFile, "utf8").catch(() => "null")) as SummaryExport;
    if (!summary) throw new Error(`the engine wrote no summary (exit ${exitCode}): ${stderr}`);
    return { exitCode, summary, stderr, wallMs };
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
}

/** A numeric statistic from the summary, failing loudly when the metric or stat is missing. */
export function stat(summary: SummaryExport, metric: string, key: string): number {
  const value = summary.metrics[metric]?.[key];
  if (typeof value !== "number") {
    throw new Error(`summary has no ${metric}.${key}; metrics: ${Object.keys(summary.metrics).join(", ")}`);
  }
  return value;
}
