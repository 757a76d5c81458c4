import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { z } from "zod";
import type { RunSummary, TestRecord } from "./results.ts";
import { UserError } from "../errors/user-error.ts";

const expectedFailure = z.strictObject({
  reason: z.string().min(10, "say why the test fails, in a sentence"),
  link: z.url().optional(),
});

/** `expectations/<homeserver>.json`: tests known to fail on an implementation, each with why. */
export const expectationsFile = z.strictObject({
  $comment: z.string().optional(),
  homeserver: z.string(),
  /** Other files (relative to this one) whose entries apply too; this file's own entries win. */
  include: z.array(z.string().min(1)).optional(),
  expectedFailures: z.record(z.string().regex(/^[^:]+::.+$/, "a test id: <file>::<test name>"), expectedFailure),
});
export type Expectations = z.infer<typeof expectationsFile>;

const EXPECTATIONS_DIR = fileURLToPath(new URL("../../expectations/", import.meta.url));

/**
 * The expectations a gate applies: the file given, else `expectations/<key>.json` when it exists,
 * else none. The key names the run's implementations: `synapse`, or `synapse+dendrite` for a pair.
 */
export function expectationsFor(key: string, given?: string): { file: string | null; expectations: Expectations | null } {
  if (given) return { file: given, expectations: loadExpectations(given) };
  const fallback = join(EXPECTATIONS_DIR, `${key}.json`);
  return existsSync(fallback) ? { file: fallback, expectations: loadExpectations(fallback) } : { file: null, expectations: null };
}

/** An expectations file with the entries of the files it includes (transitively) merged in. */
export function loadExpectations(path: string, including: string[] = []): Expectations {
  const own = readExpectationsFile(path);
  if (!own.include?.length) return own;
  const expectedFailures: Expectations["expectedFailures"] = {};
  for (const name of own.include) {
    const included = resolve(dirname(path), name);
    if ([...including, resolve(path)].includes(included)) {
      throw new UserError(`expectations file ${path} includes ${name}, which includes it back: ${[...including, resolve(path), included].join(" -> ")}`, 2);
    }
    if (!existsSync(included)) throw new UserError(`expectations file ${path} includes ${name}, but ${included} does not exist`, 2);
    Object.assign(expectedFailures, loadExpectations(included, [...including, resolve(path)]).expectedFailures);
  }
  return { ...own, expectedFailures: { ...expectedFailures, ...own.expectedFailures } };
}

function readExpectationsFile(path: string): Expectations {
  if (!existsSync(path)) throw new UserError(`expectations file ${path} does not exist`, 2);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, "utf8"));
  } catch (error) {
    throw new UserError(`expectations file ${path} is not JSON: ${(error as Error).message}`, 2);
  }
  const parsed = expectationsFile.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `  ${issue.path.join(".") || "(top level)"}: ${issue.message}`).join("\n");
    throw new UserError(`expectations file ${path} is not valid:\n${problems}\nEach entry maps a test id (see \`gauntlet list\`) to { "reason": "...", "link": "https://..." }.`, 2);
  }
  return parsed.data;
}

export interface GateInput {
  tests: TestRecord[];
  /** Suite files (relative to suites/, e.g. `client/login.test.ts`) that exist at all. */
  allFiles: string[];
  /** Suite files this run selected and loaded. */
  selectedFiles: string[];
  /** Errors outside tests: a file that failed to load. */
  errors: string[];
  expectations: Expectations | null;
  strict: boolean;
}

export interface GateVerdict {
  tests: TestRecord[];
  stale: { id: string; reason: string }[];
  summary: RunSummary;
  passed: boolean;
  exitCode: 0 | 1;
  reasons: string[];
}

function fileOfId(id: string): string {
  return `${id.slice(0, id.indexOf("::"))}.test.ts`;
}

/**
 * Compares outcomes with the expectations: unexpected failures fail the gate; unexpected passes
 * and stale entries are listed, and fail it too under `strict`.
 */
export function evaluateGate(input: GateInput): GateVerdict {
  const expected = input.expectations?.expectedFailures ?? {};
  const tests = input.tests.map((test): TestRecord => {
    const entry = expected[test.id];
    const withEntry = entry ? { expectation: { reason: entry.reason, ...(entry.link ? { link: entry.link } : {}) } } : {};
    if (test.status === "skipped") return { ...test, ...withEntry, verdict: "skipped" };
    if (test.status === "failed") return { ...test, ...withEntry, verdict: entry ? "expected-failure" : "unexpected-failure" };
    return { ...test, ...withEntry, verdict: entry ? "unexpected-pass" : "pass" };
  });

  const ids = new Set(input.tests.map((t) => t.id));
  const allFiles = new Set(input.allFiles);
  const selected = new Set(input.selectedFiles);
  const stale: { id: string; reason: string }[] = [];
  for (const id of Object.keys(expected)) {
    const file = fileOfId(id);
    if (!allFiles.has(file)) stale.push({ id, reason: `no suite file ${file}` });
    else if (selected.has(file) && !ids.has(id)) stale.push({ id, reason: `${file} has no test of this name` });
  }

  const count = (verdict: TestRecord["verdict"]) => tests.filter((t) => t.verdict === verdict).length;
  const summary: RunSummary = {
    total: tests.length,
    passed: tests.filter((t) => t.status === "passed").length,
    failed: tests.filter((t) => t.status === "failed").length,
    skipped: tests.filter((t) => t.status === "skipped").length,
    unexpectedFailures: count("unexpected-failure"),
    expectedFailures: count("expected-failure"),
    unexpectedPasses: count("unexpected-pass"),
    staleExpectations: stale.length,
  };

  const reasons: string[] = [];
  if (summary.unexpectedFailures > 0) reasons.push(`${summary.unexpectedFailures} unexpected failure(s)`);
  if (input.errors.length > 0) reasons.push(`${input.errors.length} error(s) outside tests`);
  if (summary.total - summary.skipped === 0) reasons.push("no test ran (check --suite, --grep and --shard)");
  if (input.strict && summary.unexpectedPasses > 0) reasons.push(`${summary.unexpectedPasses} unexpected pass(es) under --strict`);
  if (input.strict && stale.length > 0) reasons.push(`${stale.length} stale expectation(s) under --strict`);
  const passed = reasons.length === 0;
  return { tests, stale, summary, passed, exitCode: passed ? 0 : 1, reasons };
}
