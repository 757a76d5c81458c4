// Wall time of `gauntlet run` for the client-server suites on Synapse+SQLite and Synapse+PostgreSQL
// (environment start included, images already built), per suite file, and where the time goes.
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { RunResults } from "../src/run/results.ts";

const ROOT = new URL("..", import.meta.url).pathname;
const OUT = join(ROOT, "perf", "results");
const SUITES = process.env.BENCH_SUITES?.split(",") ?? ["client"];
const DATABASES = (process.env.BENCH_DATABASES?.split(",") ?? ["sqlite", "postgres"]) as ("sqlite" | "postgres")[];

interface Timing {
  endpoint: string;
  ms: number;
}

function runGauntlet(database: string, outDir: string, timingsFile: string): Promise<{ code: number; wallMs: number }> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [join(ROOT, "src/cli/main.ts"), "run", "--db", database, ...SUITES.flatMap((s) => ["--suite", s]), "--out", outDir, "--no-allure", "--quiet"],
      { stdio: ["ignore", "ignore", "inherit"], env: { ...process.env, GAUNTLET_REQUEST_TIMINGS: timingsFile } },
    );
    // A run that takes longer than this is broken, not slow.
    const timer = setTimeout(() => child.kill("SIGINT"), 15 * 60_000);
    child.on("error", reject);
    child.on("exit", (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? 1, wallMs: Date.now() - started });
    });
  });
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

const report: Record<string, unknown> = {};
mkdirSync(OUT, { recursive: true });
for (const database of DATABASES) {
  const outDir = join(OUT, `suite-${database}`);
  const timingsFile = join(OUT, `suite-${database}-requests.jsonl`);
  rmSync(timingsFile, { force: true });
  process.stderr.write(`gauntlet run --db ${database} --suite ${SUITES.join(" --suite ")} …\n`);
  const { code, wallMs } = await runGauntlet(database, outDir, timingsFile);
  const results = JSON.parse(readFileSync(join(outDir, "results.json"), "utf8")) as RunResults;
  const timings: Timing[] = existsSync(timingsFile)
    ? readFileSync(timingsFile, "utf8").trim().split("\n").filter(Boolean).map((line) => JSON.parse(line) as Timing)
    : [];

  const perFile = new Map<string, { tests: number; ms: number }>();
  for (const test of results.tests) {
    const entry = perFile.get(test.file) ?? { tests: 0, ms: 0 };
    entry.tests += 1;
    entry.ms += test.durationMs;
    perFile.set(test.file, entry);
  }
  const perEndpoint = new Map<string, { count: number; ms: number }>();
  for (const t of timings) {
    const entry = perEndpoint.get(t.endpoint) ?? { count: 0, ms: 0 };
    entry.count += 1;
    entry.ms += t.ms;
    perEndpoint.set(t.endpoint, entry);
  }
  const requestMs = timings.reduce((sum, t) => sum + t.ms, 0);
  const testMs = results.tests.reduce((sum, t) => sum + t.durationMs, 0);
  const registration = [...perEndpoint.entries()].filter(([name]) => name.startsWith("register a user"));
  const registrationMs = registration.reduce((sum, [, e]) => sum + e.ms, 0);
  const registrations = registration.reduce((sum, [, e]) => sum + e.count, 0);

  const lines = [
    `Synapse + ${database}: exit ${code}, ${results.summary.total} tests (${results.summary.passed} passed, ${results.summary.expectedFailures} expected failures, ${results.summary.unexpectedFailures} unexpected)`,
    `  wall time                 ${seconds(wallMs)}`,
    `    environment start       ${seconds(results.timings.environmentMs)}`,
    `    suites (vitest)         ${seconds(results.timings.suitesMs)}`,
    `    CLI start, reports, teardown ${seconds(wallMs - results.timings.environmentMs - results.timings.suitesMs)}`,
    `  summed test time          ${seconds(testMs)} (tests overlap: files run in parallel workers)`,
    `    waiting on the homeserver ${seconds(requestMs)} over ${timings.length} requests`,
    `      user registration     ${seconds(registrationMs)} for ${registrations} users (${registrations ? Math.round(registrationMs / registrations) : 0} ms each)`,
    "  per suite file (summed test time):",
    ...[...perFile.entries()].map(([file, e]) => `    ${file.padEnd(32)} ${String(e.tests).padStart(3)} tests ${seconds(e.ms).padStart(8)}`),
    "  slowest endpoints (total time):",
    ...[...perEndpoint.entries()]
      .sort((a, b) => b[1].ms - a[1].ms)
      .slice(0, 8)
      .map(([name, e]) => `    ${name.padEnd(72)} ${String(e.count).padStart(4)} × ${String(Math.round(e.ms / e.count)).padStart(4)} ms = ${seconds(e.ms)}`),
  ];
  process.stdout.write(`${lines.join("\n")}\n\n`);
  report[database] = {
    exitCode: code,
    wallMs,
    environmentMs: results.timings.environmentMs,
    suitesMs: results.timings.suitesMs,
    summedTestMs: testMs,
    requestMs,
    requests: timings.length,
    registration: { users: registrations, ms: registrationMs },
    perFile: Object.fromEntries(perFile),
    perEndpoint: Object.fromEntries(perEndpoint),
  };
}
writeFileSync(join(OUT, "suite.json"), `${JSON.stringify({ suites: SUITES, at: new Date().toISOString(), report }, null, 2)}\n`);
process.stdout.write(`written: ${join(OUT, "suite.json")}\n`);
