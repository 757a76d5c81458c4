import { fileURLToPath } from "node:url";
import type { LoadEngine, LoadRunRequest, LoadRunResult } from "./load-engine.ts";
import { k6RunArguments } from "./load-engine.ts";
import { runAttached } from "./child-process.ts";
import { readSummaryExport } from "./summary-file.ts";

const ENTRY = fileURLToPath(new URL("../node-engine/main.ts", import.meta.url));

/** The embedded engine, run as its own Node process with k6's command line. */
export const nodeEngine: LoadEngine = {
  name: "node",
  runsIn: "child-process",
  description: `embedded node engine (Node ${process.version})`,
  async run(request: LoadRunRequest): Promise<LoadRunResult> {
    const exitCode = await runAttached(process.execPath, [ENTRY, ...k6RunArguments(request, request.scriptPath, request.summaryExportPath, request.quiet ? ["--no-summary"] : [])]);
    return { exitCode, summary: await readSummaryExport(request.summaryExportPath) };
  },
};
