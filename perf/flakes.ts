// The flake series: full `gauntlet run --shuffle` runs one after another on each database, each
// with a fresh seed, the databases taking turns, under the machine's heavy-job lock per run (other heavy jobs interleave).
// Prints seed, counts and wall time per run; a series is clean when no run has an unexpected result.
//
//   npm run bench:flakes -- [--db sqlite,postgres] [--runs 10] [--out DIR] [-- extra gauntlet run args]
import { execFileSync, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { RunResults } from "../src/run/results.ts";

const CLI = fileURLToPath(new URL("../src/cli/main.ts", import.meta.url));
const LOCK = "/tmp/gauntlet-heavy.lock";
// A full run takes one to two minutes here; past this it is stopped and counts as unclean.
const RUN_DEADLINE_MS = 20 * 60_000;
// Every heavy job on the machine shares the lock: a run waits for it at most this long.
const LOCK_WAIT_S = 2 * 3600;

function option(name: string, fallback: string): string {
  const index = process.argv.indexOf(`--${name}`);
  return index >= 0 && process.argv[index + 1] ? process.argv[index + 1]! : fallback;
}

const databases = option("db", "sqlite,postgres").split(",");
const runs = Number(option("runs", "10"));
if (!Number.isInteger(runs) || runs < 1 || runs > 100) throw new Error(`--runs ${option("runs", "")}: expected a whole number from 1 to 100`);
const out = resolve(option("out", "flake-results"));
const separator = process.argv.indexOf("--");
const extra = separator >= 0 ? process.argv.slice(separator + 1) : [];
const commit = execFileSync("git", ["rev-parse", "--short", "HEAD"], { encoding: "utf8" }).trim();

interface Row { db: string; run: number; seed: number | null; passed: number; expected: number; unexpected: number; skipped: number; errors: number; runS: number; wallS: number; exitCode: number | null }

/** One full shuffled run; the lock (when the machine has one) is held for this run only. */
async function fullRun(db: string, run: number): Promise<Row> {
  const dir = join(out, `${db}-${String(run).padStart(2, "0")}`);
  await mkdir(dir, { recursive: true });
  const seed = Math.floor(Math.random() * 1_000_000_000);
  // --keep: an unclean run's homeserver logs are saved beside its results before the run is removed.
  const args = [CLI, "run", "--db", db, "--shuffle", String(seed), "--out", dir, "--no-allure", "--quiet", "--keep", ...extra];
  // The run's deadline starts once it holds the lock (timeout runs inside flock); the wait for the lock has its own.
  const deadline = ["timeout", String(RUN_DEADLINE_MS / 1000), process.execPath, ...args];
  const [command, commandArgs] = existsSync(LOCK) ? ["flock", ["-w", String(LOCK_WAIT_S), LOCK, ...deadline]] : [deadline[0]!, deadline.slice(1)];
  const started = Date.now();
  const child = spawn(command, commandArgs, { stdio: ["ignore", "ignore", "inherit"] });
  const exitCode = await new Promise<number | null>((done) => child.on("exit", done));
  const wallS = (Date.now() - started) / 1000;
  try {
    const results = JSON.parse(await readFile(join(dir, "results.json"), "utf8")) as RunResults;
    const s = results.summary;
    await keepLogsAndRemove(results.target.runId, dir, s.unexpectedFailures + s.unexpectedPasses + results.errors.length > 0);
    return { db, run, seed: results.selection.shuffleSeed ?? seed, passed: s.passed, expected: s.expectedFailures, unexpected: s.unexpectedFailures + s.unexpectedPasses, skipped: s.skipped, errors: results.errors.length, runS: results.durationMs / 1000, wallS, exitCode };
  } catch {
    return { db, run, seed, passed: 0, expected: 0, unexpected: -1, skipped: 0, errors: 0, runS: 0, wallS, exitCode };
  }
}

/** Saves each homeserver's whole log when the run was unclean, then removes the run. */
async function keepLogsAndRemove(runId: string | null | undefined, dir: string, unclean: boolean): Promise<void> {
  if (!runId) return;
  const cli = (args: string[]) => execFileSync(process.execPath, [CLI, ...args], { encoding: "utf8", maxBuffer: 512 * 2 ** 20, timeout: 120_000 });
  if (unclean) {
    for (const hs of ["hs1", "hs2"]) {
      try {
        await writeFile(join(dir, `${hs}.log`), cli(["env", "logs", runId, "--hs", hs, "--tail", "0"]));
      } catch (error) {
        console.error(`could not save ${hs}'s log of ${runId}: ${(error as Error).message}`);
      }
    }
  }
  try {
    cli(["env", "down", runId]);
  } catch (error) {
    console.error(`could not remove run ${runId}: ${(error as Error).message}`);
  }
}

const rows: Row[] = [];
const line = (r: Row) =>
  `${r.db.padEnd(9)} ${String(r.run).padStart(3)} ${String(r.seed).padStart(10)} ${String(r.passed).padStart(7)} ${String(r.expected).padStart(9)} ${String(r.unexpected === -1 ? "no results" : r.unexpected).padStart(11)} ${String(r.skipped).padStart(8)} ${String(r.errors).padStart(7)} ${r.runS.toFixed(0).padStart(6)}s ${r.wallS.toFixed(0).padStart(7)}s  ${commit}`;
const header = `${"db".padEnd(9)} ${"run".padStart(3)} ${"seed".padStart(10)} ${"passed".padStart(7)} ${"expected".padStart(9)} ${"unexpected".padStart(11)} ${"skipped".padStart(8)} ${"errors".padStart(7)} ${"run".padStart(7)} ${"wall".padStart(8)}  commit`;
// run: the run's own duration (results.json); wall: with the wait for the heavy-job lock.
console.log(header);
// Databases take turns, so that a series cut short still has runs of each.
for (let run = 1; run <= runs; run++) {
  for (const db of databases) {
    const row = await fullRun(db, run);
    rows.push(row);
    console.log(line(row));
  }
}
const unclean = rows.filter((r) => r.unexpected !== 0 || r.errors > 0);
console.log(`\n${rows.length - unclean.length}/${rows.length} runs clean at ${commit}; results in ${out}/<db>-<run>/results.json`);
process.exitCode = unclean.length > 0 ? 1 : 0;
