import { existsSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import type { RunResults } from "./results.ts";

/** A run's results.json, read from the file or from the `--out` directory that holds it. */
export function readResultsFile(path: string): { source: string; results: RunResults } {
  const file = existsSync(path) && statSync(path).isDirectory() ? join(path, "results.json") : path;
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, "utf8"));
  } catch (error) {
    throw new Error(`${file}: expected a results.json written by gauntlet run (${(error as Error).message})`);
  }
  const results = parsed as Partial<RunResults>;
  if (results.tool !== "gauntlet" || !Array.isArray(results.tests) || !results.target) {
    throw new Error(`${file}: not a results.json of gauntlet run`);
  }
  if (results.version !== 2) {
    throw new Error(`${file}: a results.json of version ${String(results.version)}, expected version 2; run it again with this gauntlet`);
  }
  return { source: file, results: results as RunResults };
}
