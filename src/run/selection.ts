import { randomInt } from "node:crypto";
import { readdirSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { UserError } from "../errors/user-error.ts";

export const SUITES_ROOT = fileURLToPath(new URL("../../suites/", import.meta.url));
export const SUITES_CONFIG = join(SUITES_ROOT, "vitest.config.ts");

/** Every suite file, relative to suites/ (e.g. `client/login.test.ts`), sorted. */
export function suiteFiles(root = SUITES_ROOT): string[] {
  const found: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory() && entry.name !== "node_modules") walk(path);
      else if (entry.isFile() && entry.name.endsWith(".test.ts")) found.push(relative(root, path).replace(/\\/g, "/"));
    }
  };
  walk(root);
  return found.sort();
}

/**
 * The files `--suite` names: a suite id (`client/login`), a folder (`client`), or a file.
 * Naming nothing selects every file; a name that matches nothing is a user error.
 */
export function selectSuiteFiles(all: string[], names: string[]): string[] {
  if (names.length === 0) return all;
  const selected = new Set<string>();
  for (const raw of names) {
    const name = raw.replace(/^suites\//, "").replace(/\.test\.ts$/, "").replace(/\/+$/, "");
    const matches = all.filter((file) => {
      const id = file.replace(/\.test\.ts$/, "");
      return id === name || id.startsWith(`${name}/`);
    });
    if (matches.length === 0) {
      throw new UserError(`--suite ${raw} names no suite; suites are: ${all.map((f) => f.replace(/\.test\.ts$/, "")).join(", ")}`, 2);
    }
    for (const match of matches) selected.add(match);
  }
  return all.filter((file) => selected.has(file));
}

/** `i/n` with 1 ≤ i ≤ n, as vitest's --shard takes it. */
export function parseShard(value: string): { index: number; count: number } {
  const match = /^(\d+)\/(\d+)$/.exec(value);
  const index = Number(match?.[1]);
  const count = Number(match?.[2]);
  if (!match || index < 1 || count < 1 || index > count) throw new UserError(`--shard ${value}: expected i/n with 1 ≤ i ≤ n, e.g. 1/3`, 2);
  return { index, count };
}

/** `--shuffle` alone picks a seed; `--shuffle SEED` repeats the order of an earlier run. */
export function parseShuffle(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (value === "") return randomInt(1, 2 ** 31);
  if (!/^\d{1,10}$/.test(value)) throw new UserError(`--shuffle ${value}: expected a whole-number seed, or no value for a random one`, 2);
  return Number(value);
}

/** Which tests a run asks for, as given on the command line. */
export interface SelectionRequest {
  suites: string[];
  grep?: string;
  shard?: string;
  shuffle?: string;
  workers?: number;
  concurrency?: number;
}

/** The checked selection: the files to run, and how. */
export interface Selection {
  suites: string[];
  /** Every suite file that exists, to tell stale expectations from tests of unselected files. */
  allFiles: string[];
  files: string[];
  grep?: string;
  shard?: string;
  shuffleSeed?: number;
  workers?: number;
  concurrency?: number;
}

/** Checks a selection before anything starts: a bad value is a usage error (exit 2). */
export function resolveSelection(request: SelectionRequest): Selection {
  if (request.shard) parseShard(request.shard);
  const shuffleSeed = parseShuffle(request.shuffle);
  if (request.concurrency !== undefined && !(Number.isInteger(request.concurrency) && request.concurrency >= 1)) {
    throw new UserError(`--concurrency ${request.concurrency}: expected a whole number of at least 1`, 2);
  }
  if (request.grep) {
    try {
      new RegExp(request.grep);
    } catch (error) {
      throw new UserError(`--grep ${request.grep}: ${(error as Error).message}`, 2);
    }
  }
  const allFiles = suiteFiles();
  return {
    suites: request.suites,
    allFiles,
    files: selectSuiteFiles(allFiles, request.suites),
    ...(request.grep ? { grep: request.grep } : {}),
    ...(request.shard ? { shard: request.shard } : {}),
    ...(shuffleSeed !== undefined ? { shuffleSeed } : {}),
    ...(request.workers ? { workers: request.workers } : {}),
    ...(request.concurrency ? { concurrency: request.concurrency } : {}),
  };
}
