import { relative } from "node:path";
import type { Reporter, TestCase, TestModule } from "vitest/node";
import { redactText } from "../client/redact.ts";
import { testId, type TestRecord } from "./results.ts";

function namePath(test: TestCase): string[] {
  const names: string[] = [test.name];
  let parent = test.parent;
  while (parent.type === "suite") {
    names.unshift(parent.name);
    parent = parent.parent;
  }
  return names;
}

function errorText(error: { message?: string; name?: string; diff?: string }): string {
  const head = error.name && error.name !== "Error" && !error.message?.startsWith(error.name) ? `${error.name}: ` : "";
  return `${head}${error.message ?? "unknown error"}${error.diff ? `\n\n${error.diff}` : ""}`;
}

/** Turns a vitest test into the record every report renders. */
export function recordOf(test: TestCase, suitesRoot: string): TestRecord {
  const result = test.result();
  const meta = test.meta();
  const file = relative(suitesRoot, test.module.moduleId).replace(/\\/g, "/");
  const status = result.state === "passed" ? "passed" : result.state === "failed" ? "failed" : "skipped";
  let message: string | null = null;
  if (result.state === "failed") message = redactText(result.errors.map(errorText).join("\n\n"));
  else if (result.state === "skipped" && result.note) message = result.note;
  return {
    id: testId(file, namePath(test)),
    file,
    name: namePath(test).join(" > "),
    status,
    durationMs: Math.round(test.diagnostic()?.duration ?? 0),
    ...(test.diagnostic()?.startTime ? { startedAt: Math.round(test.diagnostic()?.startTime ?? 0) } : {}),
    endpoints: meta.endpoints ?? [],
    specSection: meta.specSection ?? null,
    ...(meta.asserted ? { asserted: meta.asserted } : {}),
    message,
  };
}

/**
 * A vitest reporter that collects one record per test and prints a line as each finishes, so a
 * long run shows progress; reports are written from the records once the run ends.
 */
export class ResultCollector implements Reporter {
  readonly records: TestRecord[] = [];
  readonly errors: string[] = [];
  readonly #suitesRoot: string;
  readonly #write: (line: string) => void;
  #done = 0;

  constructor(suitesRoot: string, write: (line: string) => void) {
    this.#suitesRoot = suitesRoot;
    this.#write = write;
  }

  onTestCaseResult(test: TestCase): void {
    const record = recordOf(test, this.#suitesRoot);
    this.#done += 1;
    const mark = record.status === "passed" ? "✓" : record.status === "failed" ? "✗" : "-";
    this.#write(`${String(this.#done).padStart(4)} ${mark} ${record.id} (${record.durationMs} ms)`);
  }

  onTestRunEnd(modules: ReadonlyArray<TestModule>, unhandledErrors: ReadonlyArray<{ message?: string; name?: string }>): void {
    for (const module of modules) {
      for (const test of module.children.allTests()) this.records.push(recordOf(test, this.#suitesRoot));
      for (const error of module.errors()) {
        this.errors.push(redactText(`${relative(this.#suitesRoot, module.moduleId)}: ${errorText(error)}`));
      }
    }
    for (const error of unhandledErrors) this.errors.push(redactText(`unhandled: ${errorText(error)}`));
  }
}
