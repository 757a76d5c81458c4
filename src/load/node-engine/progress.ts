import type { TestRun } from "../runtime/test-run.ts";

const EVERY_MS = 5000;
let lastPrinted = 0;

/** A progress line on stderr every few seconds: elapsed time, VUs, iterations, dropped ones. */
export function renderProgress(run: TestRun, elapsedMs: number): void {
  if (elapsedMs - lastPrinted < EVERY_MS) return;
  lastPrinted = elapsedMs;
  const m = run.metrics;
  const count = (sink: (typeof m)["iterations"]["sink"]): number => (sink.type === "counter" ? sink.count : 0);
  process.stderr.write(
    `running ${(elapsedMs / 1000).toFixed(0)}s: ${run.activeVus}/${run.initializedVus} VUs, ` +
      `${count(m.iterations.sink)} iterations, ${count(m.droppedIterations.sink)} dropped, ${count(m.httpReqs.sink)} requests\n`,
  );
}
