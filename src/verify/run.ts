import { checkLoginFlows, checkMediaConfig, checkRegistration } from "./checks/client-api.ts";
import { checkClientDiscovery, type ClientDiscoveryResult } from "./checks/client-discovery.ts";
import { checkServerDiscovery, type DiscoveryResult } from "./checks/discovery.ts";
import { checkFederation } from "./checks/federation.ts";
import { checkInternalEndpoints } from "./checks/internal-endpoints.ts";
import { checkPathIntegrity } from "./checks/path-integrity.ts";
import { checkSupportFile } from "./checks/support.ts";
import { checkClientTls, checkFederationTls, checkWellKnownTls } from "./checks/tls.ts";
import { checkTurn } from "./checks/turn.ts";
import { checkUploads } from "./checks/uploads.ts";
import { checkWhoami, checkWrites, closeSession, openSession, type Session } from "./checks/writes.ts";
import { record, type VerifyContext } from "./context.ts";
import { DeadlineReached, RunDeadline } from "./deadline.ts";
import { HttpClient } from "./http.ts";
import { Resolver } from "./resolver.ts";
import { parseServerName } from "./server-name.ts";
import type { CheckStatus, VerifyOptions, VerifyReport } from "./types.ts";

/** Steps of a run in order; each is skipped once the run's deadline has passed. */
class Steps {
  readonly notRun: string[] = [];
  readonly deadline: RunDeadline;
  constructor(deadline: RunDeadline) {
    this.deadline = deadline;
  }

  async run(name: string, work: () => Promise<void>): Promise<void> {
    if (this.deadline.expired) {
      this.notRun.push(name);
      return;
    }
    try {
      await work();
    } catch (error) {
      // A step that reached the deadline midway stops there; anything else is a bug to surface.
      if (!(error instanceof DeadlineReached) && !this.deadline.expired) throw error;
      this.notRun.push(name);
    }
  }
}

/** The host whose port 443 serves the well-known files, when the server name allows a well-known lookup. */
function wellKnownHostOf(serverName: string): string | undefined {
  try {
    const name = parseServerName(serverName);
    return !name.isIpLiteral && name.port === undefined ? name.host : undefined;
  } catch {
    return undefined;
  }
}

/** Runs every check against a live deployment, within the run's deadline, and returns the checklist with a summary. */
export async function verifyDeployment(options: VerifyOptions): Promise<VerifyReport> {
  const started = performance.now();
  const startedAt = new Date().toISOString();
  const deadline = new RunDeadline(options.deadlineMs, started);
  const resolver = new Resolver({ resolve: options.resolve, ...(options.dns ? { dns: options.dns } : {}), timeoutMs: options.timeoutMs, deadline });
  const http = new HttpClient({ resolver, ...(options.caPem ? { caPem: options.caPem } : {}), timeoutMs: options.timeoutMs, deadline });
  const context: VerifyContext = { options, http, resolver, tlsStats: { handshakes: 0 }, deadline, results: [] };
  const steps = new Steps(deadline);
  const federates = options.federation !== false;

  // Federation and client discovery are independent; each runs its requests in order.
  let discovery: DiscoveryResult = {};
  let client: ClientDiscoveryResult = {};
  await Promise.all([
    federates
      ? steps.run("server discovery", async () => {
          discovery = await checkServerDiscovery(context);
        })
      : Promise.resolve(),
    steps.run("client discovery", async () => {
      client = await checkClientDiscovery(context);
    }),
  ]);
  await steps.run("TLS of the well-known host", () => checkWellKnownTls(context, wellKnownHostOf(options.serverName)));
  if (federates) {
    await steps.run("TLS of the federation API", () => checkFederationTls(context, discovery.federationTls));
    await steps.run("federation", () => checkFederation(context, discovery.destination, discovery.federationTls !== undefined));
  } else {
    record(context, "federation", "federation.disabled", "Federation", "info", [
      "federation is off on purpose (--no-federation): server discovery, federation TLS and server keys were not checked",
    ]);
  }
  await steps.run("support contacts", () => checkSupportFile(context, wellKnownHostOf(options.serverName)));
  await steps.run("TLS of the client API", () => checkClientTls(context, client.baseUrl));

  const baseUrl = client.baseUrl;
  if (baseUrl) await checkClientApi(context, steps, baseUrl);
  else record(context, "client-api", "client.api", "Client API", "skip", ["no homeserver base URL was discovered (see client-discovery)"]);

  const wallTimeMs = Math.round(performance.now() - started);
  const deadlineReached = steps.notRun.length > 0;
  if (deadlineReached) {
    record(
      context,
      "run",
      "run.deadline",
      "Run deadline",
      "fail",
      [`stopped after ${wallTimeMs} ms at the run's deadline of ${options.deadlineMs / 1000} s`, `not run or cut short: ${steps.notRun.join(", ")}`],
      "Look in the evidence above for the request that hung or trickled and fix that server, or allow more time with --deadline",
    );
  }
  return { summary: summarise(context, options, { startedAt, wallTimeMs, deadlineReached }, discovery, baseUrl), checks: ordered(context) };
}

/** Everything behind the homeserver's base URL: read-only checks, then those that need a session. */
async function checkClientApi(context: VerifyContext, steps: Steps, baseUrl: string): Promise<void> {
  await steps.run("login flows", async () => void (await checkLoginFlows(context, baseUrl)));
  await steps.run("registration", () => checkRegistration(context, baseUrl));
  await steps.run("server-internal endpoints", () => checkInternalEndpoints(context, baseUrl));
  await steps.run("request paths through the proxy", () => checkPathIntegrity(context, baseUrl));
  let session: Session | undefined;
  await steps.run("login", async () => {
    session = await openSession(context, baseUrl);
  });
  try {
    let uploadLimit: number | undefined;
    await steps.run("media configuration", async () => {
      uploadLimit = await checkMediaConfig(context, baseUrl, session?.accessToken);
    });
    await steps.run("whoami", () => checkWhoami(context, baseUrl, session));
    await steps.run("TURN", () => checkTurn(context, baseUrl, session?.accessToken));
    await steps.run("room, message and /sync", () => checkWrites(context, baseUrl, session));
    await steps.run("uploads and media headers", () => checkUploads(context, baseUrl, session?.accessToken, uploadLimit));
  } finally {
    // Logging out may still run past the deadline (briefly): it leaves no device behind.
    await closeSession(context, baseUrl, session);
  }
}

/** Checks run partly in parallel; the checklist reads in a fixed order of sections. */
function ordered(context: VerifyContext): VerifyReport["checks"] {
  const order = ["run", "discovery", "client-discovery", "tls", "federation", "client-api", "account", "media"];
  return [...context.results].sort((a, b) => order.indexOf(a.group) - order.indexOf(b.group));
}

function summarise(
  context: VerifyContext,
  options: VerifyOptions,
  run: { startedAt: string; wallTimeMs: number; deadlineReached: boolean },
  discovery: DiscoveryResult,
  baseUrl: string | undefined,
): VerifyReport["summary"] {
  const counts: Record<CheckStatus, number> = { pass: 0, info: 0, warn: 0, fail: 0, skip: 0 };
  for (const result of context.results) counts[result.status]++;
  const requestsByMethod: Record<string, number> = {};
  for (const entry of context.http.log) requestsByMethod[entry.method] = (requestsByMethod[entry.method] ?? 0) + 1;
  const destination = discovery.destination;
  const target = destination?.targets[0];
  return {
    serverName: options.serverName,
    startedAt: run.startedAt,
    wallTimeMs: run.wallTimeMs,
    deadlineMs: options.deadlineMs,
    deadlineReached: run.deadlineReached,
    httpRequests: context.http.requestCount,
    requestsByMethod,
    tlsHandshakes: context.tlsStats.handshakes,
    dnsQueries: context.resolver.queries,
    counts,
    ...(destination
      ? {
          federation: {
            host: destination.host,
            port: destination.port,
            ...(target ? { address: `${target.address}:${target.port}` } : {}),
            tlsServerName: destination.tlsServerName,
            hostHeader: destination.hostHeader,
            via: destination.via,
          },
        }
      : {}),
    ...(baseUrl ? { clientBaseUrl: baseUrl } : {}),
    ok: counts.fail === 0,
  };
}
