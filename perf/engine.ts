// The embedded load engine against a trivial local endpoint: its peak requests/s on one core
// beside autocannon's on the same endpoint in the same run, and the engine's own CPU share
// while it drives constant arrival rates (it should stay well under 80% to keep its clock honest).
import { spawn, spawnSync } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { loadavg } from "node:os";
import autocannon from "autocannon";

const ENGINE_MAIN = fileURLToPath(new URL("../src/load/node-engine/main.ts", import.meta.url));
const ENDPOINT = fileURLToPath(new URL("./trivial-endpoint.ts", import.meta.url));
const PEAK_SECONDS = 8;
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
export function setup() {
  return { cpu: proc.cpuUsage(), at: performance.now() };
}
export default async function () {
  await http.asyncRequest("GET", __ENV.TARGET + "/");
}
export function teardown(data) {
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
}

async function runEngine(url: string, scenario: string): Promise<EngineRun> {
  const directory = await mkdtemp(join(tmpdir(), "gauntlet-bench-engine-"));
  try {
    const script = join(directory, "bench.js");
    const summaryFile = join(directory, "summary.json");
    await writeFile(script, SCRIPT(scenario));
    const [command, args] = onCore(0, process.execPath, [
      ENGINE_MAIN, "run", "--quiet", "--no-summary", "--summary-trend-stats", "avg,p(99)", "--summary-export", summaryFile, "-e", `TARGET=${url}`, script,
    ]);
    const child = spawn(command, args, { stdio: ["ignore", "pipe", "inherit"] });
    let stdout = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
    const code = await new Promise<number | null>((resolve) => child.on("exit", resolve));
    if (code !== 0) throw new Error(`the engine exited with ${code}`);
    const line = stdout.split("\n").find((l) => l.startsWith("BENCH "));
    if (!line) throw new Error(`the bench script printed no CPU measurement; stdout: ${stdout}`);
    const { cpuShare } = JSON.parse(line.slice(6)) as { cpuShare: number };
    const summary = JSON.parse(await readFile(summaryFile, "utf8")) as { metrics: Record<string, Record<string, number>> };
    return {
      requestsPerSecond: summary.metrics.http_reqs?.rate ?? 0,
      requests: summary.metrics.http_reqs?.count ?? 0,
      dropped: summary.metrics.dropped_iterations?.count ?? 0,
      cpuShare,
      p99: summary.metrics.http_req_duration?.["p(99)"] ?? NaN,
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

const endpoint = await startEndpoint();
try {
  console.log(`load engine benchmark: trivial endpoint ${endpoint.url} in its own process; ${pinning ? "generator on core 0, endpoint on core 1" : "no core pinning (taskset unavailable)"}`);
  // Warm the endpoint (JIT, sockets) so the first contender is not penalised.
  await autocannon({ url: endpoint.url, connections: 10, duration: 1 });
  const machineLoad = loadavg()[0]!;

  const engine = await runEngine(endpoint.url, `{ executor: "constant-vus", vus: ${CONNECTIONS}, duration: "${PEAK_SECONDS}s", gracefulStop: "2s" }`);
  const cannon = await runAutocannon(endpoint.url);
  console.log("");
  console.log(`peak throughput, closed model, ${CONNECTIONS} connections/VUs, ${PEAK_SECONDS} s each (machine load average ${machineLoad.toFixed(1)} at start)`);
  console.log(`  node engine   ${engine.requestsPerSecond.toFixed(0).padStart(7)} req/s   (CPU ${(engine.cpuShare * 100).toFixed(0)}% of one core)`);
  console.log(`  autocannon    ${cannon.toFixed(0).padStart(7)} req/s`);
  console.log(`  ratio         ${(engine.requestsPerSecond / cannon).toFixed(2)} (node engine / autocannon)`);

  console.log("");
  console.log(`constant arrival rate, ${RATE_SECONDS} s each: the engine's own CPU share`);
  console.log(`  ${"target".padStart(8)} ${"achieved".padStart(9)} ${"dropped".padStart(8)} ${"p99 ms".padStart(8)} ${"CPU".padStart(6)}`);
  for (const rate of RATES) {
    const run = await runEngine(
      endpoint.url,
      `{ executor: "constant-arrival-rate", rate: ${rate}, timeUnit: "1s", duration: "${RATE_SECONDS}s", preAllocatedVUs: ${Math.max(50, rate / 4)}, maxVUs: ${rate} }`,
    );
    const achieved = run.requests / RATE_SECONDS;
    console.log(
      `  ${`${rate}/s`.padStart(8)} ${`${achieved.toFixed(1)}/s`.padStart(9)} ${String(run.dropped).padStart(8)} ${run.p99.toFixed(2).padStart(8)} ${`${(run.cpuShare * 100).toFixed(1)}%`.padStart(6)}${run.cpuShare < 0.8 ? "" : "  (over 80%: latencies distorted)"}`,
    );
  }
} finally {
  endpoint.stop();
}
