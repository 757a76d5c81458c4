// The embedded load engine against a trivial local endpoint: its peak requests/s on one core
// beside autocannon's on the same endpoint in the same run (interleaved rounds, so drift of a
// shared machine touches both), and the engine's own CPU share while it drives constant arrival
// rates (it should stay well under 80% to keep its clock honest), beside three references at the
// same rate: a bare Node socket loop (perf/socket-floor.ts: what timers and syscalls alone cost),
// a Node timer with nothing to do (what being woken costs on this machine) and, when a k6 binary
// is present (K6_BIN or PATH), real k6 running the same scenario.
// `--soak DURATION` instead holds 1,000 requests/s for DURATION (e.g. 10m) and prints the
// engine's RSS and heap every 30 s: memory must stay flat however long a test runs.
import { spawn, spawnSync } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { loadavg } from "node:os";
import autocannon from "autocannon";
import { parseDuration } from "../src/load/options/duration.ts";
import { findK6Binary } from "../src/load/engines/k6-binary.ts";
import { parseProcessCpu } from "../src/load/generator-cpu.ts";

const ENGINE_MAIN = fileURLToPath(new URL("../src/load/node-engine/main.ts", import.meta.url));
const ENDPOINT = fileURLToPath(new URL("./trivial-endpoint.ts", import.meta.url));
const PEAK_SECONDS = 5;
const PEAK_ROUNDS = 3;
const SOAK_RATE = 1000;
const SOAK_SAMPLE_SECONDS = 30;
const CONNECTIONS = 50;
const RATES = [200, 1000];
const RATE_SECONDS = 8;
// Load generator and endpoint on different cores, when the machine lets us pin them.
const pinning = spawnSync("taskset", ["-c", "0", "true"]).status === 0;
const onCore = (core: number, command: string, args: string[]): [string, string[]] =>
  pinning ? ["taskset", ["-c", String(core), command, ...args]] : [command, args];

function startEndpoint(): Promise<{ url: string; stop: () => void }> {
  const [command, args] = onCore(1, process.execPath, [ENDPOINT]);
  const child = spawn(command, args, { stdio: ["ignore", "pipe", "inherit"] });
  return new Promise((resolve, reject) => {
    child.stdout.setEncoding("utf8").once("data", (line: string) => resolve({ url: line.trim(), stop: () => child.kill("SIGTERM") }));
    child.once("exit", (code) => reject(new Error(`the endpoint process exited early (code ${code})`)));
  });
}

// The script measures its own process's CPU between setup() and teardown(), i.e. while the
// scenario runs, and prints it as one JSON line; Node's `process` is reachable in the node engine.
const SCRIPT = (scenario: string) => `
import http from "k6/http";
const proc = globalThis.process;
export const options = { scenarios: { bench: ${scenario} } };
const MEMORY_EVERY_MS = Number(__ENV.MEMORY_EVERY_MS || 0);
export function setup() {
  const at = performance.now();
  if (MEMORY_EVERY_MS > 0) {
    const sample = () => {
      const { rss, heapUsed } = proc.memoryUsage();
      console.log("MEMORY " + JSON.stringify({ seconds: (performance.now() - at) / 1000, rss, heapUsed }));
    };
    sample();
    globalThis.memorySampler = globalThis.setInterval(sample, MEMORY_EVERY_MS);
  }
  return { cpu: proc.cpuUsage(), at };
}
export default async function () {
  await http.asyncRequest("GET", __ENV.TARGET + "/");
}
export function teardown(data) {
  globalThis.clearInterval(globalThis.memorySampler);
  const cpu = proc.cpuUsage(data.cpu);
  const wallMs = performance.now() - data.at;
  console.log("BENCH " + JSON.stringify({ cpuShare: (cpu.user + cpu.system) / 1000 / wallMs, wallMs }));
}
`;

interface EngineRun {
  requestsPerSecond: number;
  requests: number;
  dropped: number;
  cpuShare: number;
  p99: number;
  memory: { seconds: number; rss: number; heapUsed: number }[];
}

async function runEngine(url: string, scenario: string, memoryEveryMs = 0): Promise<EngineRun> {
  const directory = await mkdtemp(join(tmpdir(), "gauntlet-bench-engine-"));
  try {
    const script = join(directory, "bench.js");
    const summaryFile = join(directory, "summary.json");
    await writeFile(script, SCRIPT(scenario));
    const [command, args] = onCore(0, process.execPath, [
      ENGINE_MAIN, "run", "--quiet", "--no-summary", "--summary-trend-stats", "avg,p(99)", "--summary-export", summaryFile, "-e", `TARGET=${url}`, "-e", `MEMORY_EVERY_MS=${memoryEveryMs}`, script,
    ]);
    const child = spawn(command, args, { stdio: ["ignore", "pipe", "inherit"] });
    let stdout = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
    const code = await new Promise<number | null>((resolve) => child.on("exit", resolve));
    if (code !== 0) throw new Error(`the engine exited with ${code}`);
    const line = stdout.split("\n").find((l) => l.startsWith("BENCH "));
    if (!line) throw new Error(`the bench script printed no CPU measurement; stdout: ${stdout}`);
    const { cpuShare } = JSON.parse(line.slice(6)) as { cpuShare: number };
    const memory = stdout.split("\n").filter((l) => l.startsWith("MEMORY ")).map((l) => JSON.parse(l.slice(7)) as EngineRun["memory"][number]);
    const summary = JSON.parse(await readFile(summaryFile, "utf8")) as { metrics: Record<string, Record<string, number>> };
    return {
      requestsPerSecond: summary.metrics.http_reqs?.rate ?? 0,
      requests: summary.metrics.http_reqs?.count ?? 0,
      dropped: summary.metrics.dropped_iterations?.count ?? 0,
      cpuShare,
      p99: summary.metrics.http_req_duration?.["p(99)"] ?? NaN,
      memory,
    };
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
}

const AUTOCANNON_CLI = fileURLToPath(new URL("../node_modules/autocannon/autocannon.js", import.meta.url));

/** autocannon in its own process on the engine's core, so both get the same single core. */
async function runAutocannon(url: string): Promise<number> {
  const [command, args] = onCore(0, process.execPath, [AUTOCANNON_CLI, "--json", "-c", String(CONNECTIONS), "-d", String(PEAK_SECONDS), url]);
  const child = spawn(command, args, { stdio: ["ignore", "pipe", "ignore"] });
  let stdout = "";
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
  const code = await new Promise<number | null>((resolve) => child.on("exit", resolve));
  if (code !== 0) throw new Error(`autocannon exited with ${code}`);
  return (JSON.parse(stdout) as { requests: { average: number } }).requests.average;
}

const arrivalRate = (rate: number, seconds: number): string =>
  `{ executor: "constant-arrival-rate", rate: ${rate}, timeUnit: "1s", duration: "${seconds}s", preAllocatedVUs: ${Math.max(50, rate / 4)}, maxVUs: ${rate} }`;

async function peakRounds(url: string): Promise<void> {
  const ratios: number[] = [];
  console.log(`peak throughput, closed model, ${CONNECTIONS} connections/VUs, ${PEAK_SECONDS} s each, ${PEAK_ROUNDS} interleaved rounds (machine load average ${loadavg()[0]!.toFixed(1)} at start)`);
  console.log(`  ${"round".padEnd(6)} ${"node engine".padStart(12)} ${"CPU".padStart(5)} ${"autocannon".padStart(11)} ${"ratio".padStart(6)}`);
  for (let round = 1; round <= PEAK_ROUNDS; round++) {
    // Alternate who goes first, so a trend in the machine's load does not favour one.
    const engineFirst = round % 2 === 1;
    const cannonBefore = engineFirst ? undefined : await runAutocannon(url);
    const engine = await runEngine(url, `{ executor: "constant-vus", vus: ${CONNECTIONS}, duration: "${PEAK_SECONDS}s", gracefulStop: "2s" }`);
    const cannon = cannonBefore ?? (await runAutocannon(url));
    const ratio = engine.requestsPerSecond / cannon;
    ratios.push(ratio);
    console.log(`  ${String(round).padEnd(6)} ${`${engine.requestsPerSecond.toFixed(0)}/s`.padStart(12)} ${`${(engine.cpuShare * 100).toFixed(0)}%`.padStart(5)} ${`${cannon.toFixed(0)}/s`.padStart(11)} ${ratio.toFixed(2).padStart(6)}`);
  }
  const median = [...ratios].sort((a, b) => a - b)[Math.floor(ratios.length / 2)]!;
  console.log(`  ratio (median of ${PEAK_ROUNDS} rounds): ${median.toFixed(2)} (node engine / autocannon)`);
}

const SOCKET_FLOOR = fileURLToPath(new URL("./socket-floor.ts", import.meta.url));

/** The CPU share of a bare Node socket loop at `rate` (perf/socket-floor.ts), on the engine's core; with "timers" for `url`, of its timer alone. */
async function socketFloor(url: string, rate: number): Promise<number> {
  const [command, args] = onCore(0, process.execPath, [SOCKET_FLOOR, url, String(rate), String(RATE_SECONDS)]);
  const child = spawn(command, args, { stdio: ["ignore", "pipe", "inherit"] });
  let stdout = "";
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
  const code = await new Promise<number | null>((resolve) => child.on("exit", resolve));
  if (code !== 0) throw new Error(`the socket floor exited with ${code}`);
  return (JSON.parse(stdout) as { cpuShare: number }).cpuShare;
}

// The same scenario for real k6, which cannot read its own CPU time: it marks the scenario's
// start and end on stderr, and the bench reads the process's CPU time from /proc at each mark.
const K6_SCRIPT = (scenario: string) => `
import http from "k6/http";
export const options = { scenarios: { bench: ${scenario} } };
export function setup() { console.log("BENCH_WINDOW start"); }
export default async function () {
  await http.asyncRequest("GET", __ENV.TARGET + "/");
}
export function teardown() { console.log("BENCH_WINDOW end"); }
`;

/** User + system CPU seconds of a process so far, from /proc (Linux). */
async function cpuSecondsOf(pid: number): Promise<number> {
  const cpu = parseProcessCpu(await readFile(`/proc/${pid}/stat`, "utf8"));
  if (!cpu) throw new Error(`/proc/${pid}/stat did not parse`);
  return cpu.own;
}

/** Real k6's CPU share between its scenario's start and end marks; undefined when it cannot be read. */
async function k6Share(binary: string, url: string, scenario: string): Promise<number | undefined> {
  const directory = await mkdtemp(join(tmpdir(), "gauntlet-bench-k6-"));
  try {
    const script = join(directory, "bench.js");
    await writeFile(script, K6_SCRIPT(scenario));
    const [command, args] = onCore(0, binary, ["run", "--quiet", "--no-usage-report", "-e", `TARGET=${url}`, script]);
    const child = spawn(command, args, { stdio: ["ignore", "ignore", "pipe"] });
    // A mark read after k6 has exited finds no /proc entry: that reading is missing, never an unhandled rejection.
    const marks: Promise<{ cpu: number; at: number } | undefined>[] = [];
    let buffered = "";
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
      buffered += chunk;
      let newline: number;
      while ((newline = buffered.indexOf("\n")) >= 0) {
        const line = buffered.slice(0, newline);
        buffered = buffered.slice(newline + 1);
        if (line.includes("BENCH_WINDOW")) {
          const at = performance.now();
          marks.push(cpuSecondsOf(child.pid!).then((cpu) => ({ cpu, at }), () => undefined));
        }
      }
    });
    // A k6 that hangs is killed once the scenario and a minute more have passed.
    const deadline = setTimeout(() => child.kill("SIGKILL"), (RATE_SECONDS + 60) * 1000);
    const code = await new Promise<number | null>((resolve) => child.on("exit", resolve)).finally(() => clearTimeout(deadline));
    if (code !== 0) throw new Error(`k6 exited with ${code}`);
    const [start, end] = await Promise.all(marks);
    if (!start || !end) {
      console.error("  k6: its CPU time could not be read at both the scenario's start and end (/proc/PID/stat)");
      return undefined;
    }
    return (end.cpu - start.cpu) / ((end.at - start.at) / 1000);
  } catch (error) {
    console.error(`  k6 run failed: ${error instanceof Error ? error.message : String(error)}`);
    return undefined;
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
}

async function arrivalRates(url: string): Promise<void> {
  const k6 = findK6Binary();
  const percent = (share: number | undefined): string => (share === undefined ? "n/a" : `${(share * 100).toFixed(1)}%`);
  console.log("");
  console.log(`constant arrival rate, ${RATE_SECONDS} s each: the engine's own CPU share of one core, beside`);
  console.log("  floor: a bare Node socket loop at the same rate (timer, write, read; no parsing, metrics or checks)");
  console.log("  wake: a Node timer at the same rate with nothing to do (what being woken costs here)");
  console.log(`  k6: real k6 on the same scenario${k6 ? ` (${k6})` : " (n/a: no k6 binary; set K6_BIN or put k6 on PATH)"}`);
  console.log(`  ${"target".padStart(8)} ${"achieved".padStart(9)} ${"dropped".padStart(8)} ${"p99 ms".padStart(8)} ${"CPU".padStart(6)} ${"floor".padStart(6)} ${"wake".padStart(6)} ${"k6".padStart(6)}`);
  for (const rate of RATES) {
    const scenario = arrivalRate(rate, RATE_SECONDS);
    const run = await runEngine(url, scenario);
    const floor = await socketFloor(url, rate);
    const wake = await socketFloor("timers", rate);
    const k6Cpu = k6 ? await k6Share(k6, url, scenario) : undefined;
    const achieved = run.requests / RATE_SECONDS;
    console.log(
      `  ${`${rate}/s`.padStart(8)} ${`${achieved.toFixed(1)}/s`.padStart(9)} ${String(run.dropped).padStart(8)} ${run.p99.toFixed(2).padStart(8)} ${percent(run.cpuShare).padStart(6)} ${percent(floor).padStart(6)} ${percent(wake).padStart(6)} ${percent(k6Cpu).padStart(6)}${run.cpuShare < 0.8 ? "" : "  (over 80%: latencies distorted)"}`,
    );
  }
}

/** Holds SOAK_RATE for `seconds` and prints the engine's memory over time, then the drift of its second half. */
async function soak(url: string, seconds: number): Promise<void> {
  console.log(`soak: ${SOAK_RATE} requests/s for ${seconds} s; the engine's memory every ${SOAK_SAMPLE_SECONDS} s`);
  const run = await runEngine(url, arrivalRate(SOAK_RATE, seconds), SOAK_SAMPLE_SECONDS * 1000);
  const mib = (bytes: number): string => (bytes / 2 ** 20).toFixed(1);
  console.log(`  ${"seconds".padStart(8)} ${"RSS MiB".padStart(8)} ${"heap MiB".padStart(9)}`);
  for (const sample of run.memory) console.log(`  ${sample.seconds.toFixed(0).padStart(8)} ${mib(sample.rss).padStart(8)} ${mib(sample.heapUsed).padStart(9)}`);
  // Warm-up (JIT, VUs, sockets) fills the first minutes; a leak shows as growth after it.
  const secondHalf = run.memory.filter((sample) => sample.seconds >= seconds / 2);
  if (secondHalf.length >= 2) {
    const first = secondHalf[0]!;
    const last = secondHalf.at(-1)!;
    console.log(`  second half: RSS ${mib(first.rss)} -> ${mib(last.rss)} MiB, heap ${mib(first.heapUsed)} -> ${mib(last.heapUsed)} MiB`);
  }
  console.log(`  ${run.requests} requests, ${run.dropped} dropped, p99 ${run.p99.toFixed(2)} ms, CPU ${(run.cpuShare * 100).toFixed(1)}% of one core`);
}

const soakIndex = process.argv.indexOf("--soak");
const soakSeconds = soakIndex >= 0 ? parseDuration(process.argv[soakIndex + 1] ?? "") / 1000 : undefined;

const endpoint = await startEndpoint();
try {
  console.log(`load engine benchmark: trivial endpoint ${endpoint.url} in its own process; ${pinning ? "generator on core 0, endpoint on core 1" : "no core pinning (taskset unavailable)"}`);
  // Warm the endpoint (JIT, sockets) so the first contender is not penalised.
  await autocannon({ url: endpoint.url, connections: 10, duration: 1 });
  if (soakSeconds !== undefined) await soak(endpoint.url, soakSeconds);
  else {
    await peakRounds(endpoint.url);
    await arrivalRates(endpoint.url);
  }
} finally {
  endpoint.stop();
}
