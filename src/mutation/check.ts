// The mutation check: the suites run through the fault-injecting proxy, once with no fault and
// once per fault; a fault is caught when a test that passed without it fails with it.
import { spawn } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { writeTargetFile } from "../deployment/target-file.ts";
import type { Homeserver } from "../env/homeserver.ts";
import { issueServerCertificate, type CertificatePair } from "../env/tls.ts";
import { TARGET_NOT_A_HOMESERVER_EXIT_CODE } from "../run/preflight.ts";
import type { Fault } from "./faults.ts";
import { MutationProxy } from "./proxy.ts";

const CLI = fileURLToPath(new URL("../cli/main.ts", import.meta.url));
// A run of a few suite files takes well under this; past it the run is stopped and counts as failed.
const RUN_DEADLINE_MS = 10 * 60_000;

/** The homeserver of an environment the proxy fronts; suites get users through its profile's shared-secret registration. */
export type MutationTarget = Pick<Homeserver, "baseUrl" | "serverName" | "profile" | "registrationSharedSecret"> & Partial<Pick<Homeserver, "federationUrl">>;

/** The proxies in front of the homeserver: the client-server API's, and the federation listener's when the run CA is known. */
interface Proxies {
  client: MutationProxy;
  federation?: MutationProxy;
}

export interface FaultOutcome {
  readonly fault: Fault;
  /** Requests the fault touched: 0 means the suites never gave it a chance. */
  readonly exercised: number;
  /** Tests that passed with no fault and failed with this one. */
  readonly caughtBy: readonly string[];
  /** Suite ids the fault was run against. */
  readonly suites: readonly string[];
}

type Outcome = "passed" | "failed" | "skipped";
type Outcomes = Map<string, Outcome>;

/** The pre-flight of gauntlet run counts as a test: a fault that breaks /versions is caught there. */
const PREFLIGHT = "gauntlet run pre-flight (GET /_matrix/client/versions)";


/** Runs suites with `gauntlet run --target` against a target file that names the proxies, and returns each test's outcome. */
async function runSuites(proxies: Proxies, target: MutationTarget, ca: CertificatePair | undefined, suites: readonly string[], peerPortsDir: string): Promise<Outcomes> {
  const out = await mkdtemp(join(tmpdir(), "gauntlet-mutation-"));
  // The target file holds the registration secret and the CA key: mode 0600, removed after the run.
  const channel = writeTargetFile({
    version: 2,
    runId: null,
    requestTimeoutMs: 15_000,
    ...(ca && proxies.federation ? { ca } : {}),
    peerPortsDir,
    homeservers: [{
      name: "hs1",
      implementation: target.profile,
      baseUrl: proxies.client.url,
      serverName: target.serverName,
      ...(proxies.federation ? { federationUrl: proxies.federation.url } : {}),
      provisioning: { kind: "profile", profile: target.profile, registrationSharedSecret: target.registrationSharedSecret },
    }],
  });
  try {
    const args = [CLI, "run", "--target", channel.file, "--out", out, "--no-allure", "--quiet"];
    for (const suite of suites) args.push("--suite", suite);
    const child = spawn(process.execPath, args, { stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr = (stderr + chunk).slice(-4000)));
    const timer = setTimeout(() => child.kill("SIGTERM"), RUN_DEADLINE_MS);
    const code = await new Promise<number | null>((resolve) => child.on("exit", resolve));
    clearTimeout(timer);
    // Exit code 3: the pre-flight found no working homeserver, and said so before any suite ran.
    if (code === TARGET_NOT_A_HOMESERVER_EXIT_CODE) return new Map([[PREFLIGHT, "failed"]]);
    let results: { tests: { id: string; status: "passed" | "failed" | "skipped" }[] };
    try {
      results = JSON.parse(await readFile(join(out, "results.json"), "utf8"));
    } catch {
      throw new Error(`gauntlet run --suite ${suites.join(" --suite ")} through the mutation proxy wrote no results (exit code ${code}):\n${stderr}`);
    }
    return new Map([[PREFLIGHT, "passed"], ...results.tests.map((test): [string, Outcome] => [test.id, test.status])]);
  } finally {
    channel.remove();
    await rm(out, { recursive: true, force: true });
  }
}

/** Starts the proxies; the federation one only when the faults need it, with a certificate from the run CA. */
async function startProxies(target: MutationTarget, ca: CertificatePair | undefined, faults: readonly Fault[]): Promise<Proxies> {
  const client = await MutationProxy.start(target.baseUrl);
  if (!faults.some((fault) => fault.api === "federation")) return { client };
  if (!ca || !target.federationUrl) {
    await client.close();
    throw new Error("federation faults need the homeserver's federation URL and the run CA it trusts: check an environment Gauntlet started");
  }
  const certificate = await issueServerCertificate(ca, { names: ["127.0.0.1", "localhost"] });
  return { client, federation: await MutationProxy.start(target.federationUrl, { certificate, caCertPem: ca.certPem }) };
}

/**
 * Checks each fault against the suites `suitesOf` names for it. The suites first run once with
 * no fault, so that a test failing for its own reasons never counts as catching anything.
 */
export async function checkFaults(
  target: MutationTarget,
  faults: readonly Fault[],
  suitesOf: (fault: Fault) => readonly string[],
  progress: (line: string) => void = () => {},
  ca?: CertificatePair,
): Promise<FaultOutcome[]> {
  const proxies = await startProxies(target, ca, faults);
  // One record of federation peer ports across every run of the check: the homeserver is the same throughout.
  const peerPortsDir = await mkdtemp(join(tmpdir(), "gauntlet-mutation-peer-ports-"));
  try {
    const everySuite = [...new Set(faults.flatMap((fault) => suitesOf(fault)))].sort();
    progress(`baseline: ${everySuite.join(", ")} with no fault`);
    const baseline = await runSuites(proxies, target, ca, everySuite, peerPortsDir);
    const outcomes: FaultOutcome[] = [];
    for (const fault of faults) {
      const suites = suitesOf(fault);
      const proxy = fault.api === "federation" ? proxies.federation! : proxies.client;
      proxy.inject(fault);
      const faulted = await runSuites(proxies, target, ca, suites, peerPortsDir);
      const exercised = proxy.exercised;
      proxy.inject(undefined);
      const caughtBy = [...faulted].filter(([id, status]) => status === "failed" && baseline.get(id) === "passed").map(([id]) => id);
      outcomes.push({ fault, exercised, caughtBy, suites });
      progress(`${fault.id}: ${caughtBy.length > 0 ? `caught by ${caughtBy.length} test(s)` : exercised > 0 ? "NOT caught" : "never exercised"}`);
    }
    return outcomes;
  } finally {
    await proxies.client.close();
    await proxies.federation?.close();
    await rm(peerPortsDir, { recursive: true, force: true });
  }
}
