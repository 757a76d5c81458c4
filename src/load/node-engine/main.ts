// The node engine as a process with k6's command line, so callers run it exactly as they run
// `k6 run`: node main.ts run [--summary-export FILE] [-e K=V]… [--execution-segment S]
// [--execution-segment-sequence Q] [--quiet] [--no-summary] script.ts
import { writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { K6_EXIT_CODE } from "../exit-codes.ts";
import { renderTerminalSummary } from "../summary/terminal-summary.ts";
import { runNodeTest } from "./run-test.ts";
import { renderProgress } from "./progress.ts";

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    "summary-export": { type: "string" },
    env: { type: "string", short: "e", multiple: true },
    "summary-trend-stats": { type: "string" },
    quiet: { type: "boolean", short: "q" },
    "no-summary": { type: "boolean" },
    "execution-segment": { type: "string" },
    "execution-segment-sequence": { type: "string" },
  },
});
const [command, script] = positionals;
if (command !== "run" || !script) {
  process.stderr.write("usage: main.ts run [--summary-export FILE] [-e KEY=VALUE]... [--execution-segment S] [--execution-segment-sequence Q] [--quiet] [--no-summary] SCRIPT\n");
  process.exit(K6_EXIT_CODE.invalidConfig);
}

const env: Record<string, string> = {};
for (const pair of values.env ?? []) {
  const equals = pair.indexOf("=");
  if (equals <= 0) {
    process.stderr.write(`-e ${pair}: expected KEY=VALUE\n`);
    process.exit(K6_EXIT_CODE.invalidConfig);
  }
  env[pair.slice(0, equals)] = pair.slice(equals + 1);
}

let interrupted = false;
process.on("SIGINT", () => {
  if (interrupted) process.exit(K6_EXIT_CODE.externalAbort);
  interrupted = true;
  process.stderr.write("stopping: interrupted; press Ctrl-C again to quit at once\n");
  import("../runtime/test-run.ts").then(({ currentTestRun }) => currentTestRun().abort({ kind: "interrupt", message: "interrupted" }));
});

const result = await runNodeTest({
  scriptPath: script,
  env,
  ...(values["execution-segment"] ? { executionSegment: values["execution-segment"] } : {}),
  ...(values["execution-segment-sequence"] ? { executionSegmentSequence: values["execution-segment-sequence"] } : {}),
  ...(values["summary-trend-stats"] ? { summaryTrendStats: values["summary-trend-stats"].split(",") } : {}),
  ...(values.quiet ? {} : { onTick: (run, elapsedMs) => renderProgress(run, elapsedMs) }),
});

if (values["summary-export"]) writeFileSync(values["summary-export"], `${JSON.stringify(result.summary, null, 2)}\n`);
if (!values["no-summary"]) process.stdout.write(`${renderTerminalSummary(result.summary, { color: process.stdout.isTTY, timeMetrics: result.timeMetrics })}\n`);
if (result.problem) process.stderr.write(`${result.problem}\n`);
process.exit(result.exitCode);
