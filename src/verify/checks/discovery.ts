import { headerEvidence, record, type VerifyContext } from "../context.ts";
import { discoverServer, type DiscoveryOutcome, type FederationDestination } from "../server-discovery.ts";
import { hostForUrl } from "../server-name.ts";
import type { TlsProbe } from "../tls-probe.ts";
import type { CheckStatus } from "../types.ts";
import { handshake } from "./tls.ts";

const GROUP = "discovery";

export interface DiscoveryResult {
  outcome?: DiscoveryOutcome;
  destination?: FederationDestination;
  /** A TLS handshake with the destination; absent when nothing answered there. */
  federationTls?: TlsProbe;
}

/** Server discovery per server-server API "Resolving server names", then one handshake to prove the destination answers. */
export async function checkServerDiscovery(context: VerifyContext): Promise<DiscoveryResult> {
  let outcome: DiscoveryOutcome;
  try {
    outcome = await discoverServer(context.http, context.resolver, context.options.serverName);
  } catch (error) {
    record(context, GROUP, "discovery.server-name", "Server name", "fail", [(error as Error).message], "Pass the server name exactly as it appears in user IDs, e.g. example.org");
    return {};
  }

  const wk = outcome.wellKnown;
  if (wk) {
    const evidence = [`GET ${wk.url}`];
    const redirectProblem = wk.response?.redirectProblem;
    if (!redirectProblem) for (const hop of wk.response?.redirects ?? []) evidence.push(`redirected from ${hop}`);
    if (wk.response) {
      evidence.push(`HTTP ${wk.response.status}`, headerEvidence(wk.response.headers, "Content-Type"), headerEvidence(wk.response.headers, "Cache-Control"));
    }
    const judged = (status: CheckStatus, lines: string[], fix?: string) => record(context, GROUP, "discovery.well-known-server", "/.well-known/matrix/server", status, lines, fix);
    if (redirectProblem) {
      judged(
        "fail",
        [...evidence, redirectProblem, "servers give up on the file and fall back to SRV and port 8448"],
        `Fix the redirect rule that catches ${wk.url}: serve the file itself with 200 (nginx: an exact "location = /.well-known/matrix/server" before the redirect)`,
      );
    } else if (wk.delegated) {
      judged("pass", [...evidence, `m.server: ${wk.delegated.text}`]);
    } else if (wk.invalid) {
      judged("fail", [...evidence, wk.invalid], `Serve {"m.server": "<host>[:<port>]"} as application/json at ${wk.url}, or remove the file so SRV or port 8448 is used`);
    } else if (wk.stalled) {
      // Other servers give up on a delegation that does not arrive: federation then goes to the wrong place.
      judged("fail", [...evidence, `not fetched: ${wk.error}`], `Make ${wk.url} answer at once: the host accepted the request, then stalled (look at the web server, or the upstream it proxies the file to)`);
    } else if (wk.response?.status === 404 || wk.error) {
      evidence.push(wk.error ? `not fetched: ${wk.error}` : "no delegation published: discovery continues with SRV, then port 8448");
      // No delegation is legitimate; an unreachable host is only fine when SRV carried discovery instead.
      const fine = wk.response?.status === 404 || outcome.destination?.via.startsWith("SRV");
      judged(fine ? "pass" : "warn", evidence, `Serve {"m.server": "<host>:<port>"} at ${wk.url}, or publish _matrix-fed._tcp SRV records`);
    } else {
      judged("warn", [...evidence, "a status other than 200 or 404 makes servers fall back to SRV and port 8448"], `Answer ${wk.url} with 200 and the delegation, or 404 when there is none`);
    }
  }

  const destination = outcome.destination;
  if (!destination) {
    // The step that failed is usually the last of the trail already.
    const trail = outcome.error && outcome.steps.at(-1) === outcome.error ? outcome.steps : [...outcome.steps, outcome.error ?? "no destination"];
    record(context, GROUP, "discovery.resolution", "Federation destination", "fail", trail, "Publish .well-known/matrix/server, an SRV record _matrix-fed._tcp, or serve federation on port 8448 of the server name (or pass --no-federation if the server does not federate on purpose)");
    return { outcome };
  }
  const evidence = [
    ...outcome.steps,
    `destination ${hostForUrl(destination.host, destination.port)} via ${destination.via}`,
    `TLS server name ${destination.tlsServerName}, Host header ${destination.hostHeader}`,
  ];
  let federationTls: TlsProbe | undefined;
  let problem: string | undefined;
  for (const target of destination.targets.slice(0, 3)) {
    try {
      federationTls = await handshake(context, target, destination.tlsServerName);
      evidence.push(`TLS handshake with ${hostForUrl(target.address, target.port)} (${target.source}) succeeded`);
      break;
    } catch (error) {
      problem = (error as Error).message;
      evidence.push(`${hostForUrl(target.address, target.port)} (${target.source}): ${problem}`);
    }
  }
  if (!federationTls) {
    const cause = destination.via.startsWith(".well-known") ? `the destination that m.server in ${wk?.url} names` : `the destination found via ${destination.via}`;
    record(
      context,
      GROUP,
      "discovery.resolution",
      "Federation destination",
      "fail",
      evidence,
      `Nothing answers TLS at ${hostForUrl(destination.host, destination.port)}, ${cause}: point it at the host and port your reverse proxy serves federation on (or pass --no-federation if the server does not federate on purpose)`,
    );
    return { outcome, destination };
  }
  if (outcome.usedDeprecatedSrv) {
    record(context, GROUP, "discovery.resolution", "Federation destination", "warn", [...evidence, "only the deprecated _matrix._tcp SRV record exists"], `Publish the same record as _matrix-fed._tcp.${destination.tlsServerName} (spec v1.8 renamed the service)`);
  } else {
    record(context, GROUP, "discovery.resolution", "Federation destination", "pass", evidence);
  }
  return { outcome, destination, federationTls };
}
