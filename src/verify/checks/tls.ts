import { record, stepTimeoutMs, type VerifyContext } from "../context.ts";
import type { ConnectTarget } from "../resolver.ts";
import { hostForUrl } from "../server-name.ts";
import { acceptsLegacyTls, daysUntil, probeTls, type TlsProbe } from "../tls-probe.ts";

const GROUP = "tls";
const EXPIRY_WARNING_DAYS = 14;

/** Judges one endpoint's certificate: trusted chain, right name, days left, protocol versions. */
async function judge(context: VerifyContext, id: string, title: string, probe: TlsProbe, fixTarget: string): Promise<void> {
  const where = hostForUrl(probe.target.address, probe.target.port);
  const evidence = [
    `handshake with ${where} as ${probe.servername}: ${probe.protocol ?? "unknown protocol"}`,
    `certificate for ${probe.subjectAltName ?? probe.subject ?? "(no names)"}, issued by ${probe.issuer ?? "(unknown)"}`,
    ...(probe.validTo ? [`valid until ${probe.validTo.toISOString()}`] : []),
  ];
  if (!probe.trusted) {
    const expired = probe.validTo && probe.validTo.getTime() < Date.now();
    const fix = expired
      ? `Renew the certificate for ${probe.servername} on ${fixTarget} and reload the proxy`
      : /altnames|does not match/i.test(probe.problem ?? "")
        ? `Serve a certificate whose names include ${probe.servername} on ${fixTarget}`
        : `Serve a certificate chain for ${probe.servername} from a CA clients trust (include the intermediates) on ${fixTarget}`;
    record(context, GROUP, id, title, "fail", [...evidence, `not trusted: ${probe.problem}`], fix);
    return;
  }
  const days = probe.validTo ? daysUntil(probe.validTo) : undefined;
  const legacy = await acceptsLegacyTls(probe.target, probe.servername, stepTimeoutMs(context, "TLS 1.0/1.1 probe"), context.tlsStats);
  evidence.push(legacy ? "accepts TLS 1.0/1.1" : "refuses TLS 1.0/1.1");
  if (days !== undefined && days < EXPIRY_WARNING_DAYS) {
    record(context, GROUP, id, title, "warn", [...evidence, `expires in ${days} days`], `Renew the certificate for ${probe.servername} now (check that automatic renewal runs)`);
  } else if (legacy) {
    record(context, GROUP, id, title, "warn", evidence, `Allow only TLS 1.2 and 1.3 on ${fixTarget} (nginx: ssl_protocols TLSv1.2 TLSv1.3;)`);
  } else {
    record(context, GROUP, id, title, "pass", [...evidence, ...(days !== undefined ? [`expires in ${days} days`] : [])]);
  }
}

/** One handshake within the per-request timeout and the run's deadline. */
export function handshake(context: VerifyContext, target: ConnectTarget, servername: string): Promise<TlsProbe> {
  const timeoutMs = stepTimeoutMs(context, `TLS handshake with ${hostForUrl(target.address, target.port)}`);
  return probeTls(target, servername, { ...(context.options.caPem ? { caPem: context.options.caPem } : {}), timeoutMs, stats: context.tlsStats });
}

/**
 * Resolves host:port and handshakes with the first address that answers. When none does, records
 * `unreachable` (a failure unless the caller says otherwise) and returns undefined.
 */
async function probeEndpoint(context: VerifyContext, id: string, title: string, host: string, port: number, unreachable: "fail" | "skip" = "fail"): Promise<TlsProbe | undefined> {
  const bare = host.replace(/^\[|\]$/g, "");
  let targets: ConnectTarget[];
  try {
    targets = await context.resolver.connectTargets(bare, port);
  } catch (error) {
    record(context, GROUP, id, title, "fail", [(error as Error).message], `Publish an address record for ${bare}`);
    return undefined;
  }
  const errors: string[] = [];
  for (const target of targets.slice(0, 3)) {
    try {
      return await handshake(context, target, bare);
    } catch (error) {
      errors.push(`${hostForUrl(target.address, target.port)} (${target.source}): ${(error as Error).message}`);
    }
  }
  if (unreachable === "skip") record(context, GROUP, id, title, "skip", [`nothing answered TLS on ${hostForUrl(bare, port)}`, ...errors]);
  else record(context, GROUP, id, title, "fail", errors, `Serve HTTPS on ${hostForUrl(bare, port)}`);
  return undefined;
}

export async function checkClientTls(context: VerifyContext, baseUrl: string | undefined): Promise<void> {
  if (!baseUrl) {
    record(context, GROUP, "tls.client", "TLS of the client API", "skip", ["no homeserver base URL was discovered"]);
    return;
  }
  const url = new URL(baseUrl);
  if (url.protocol !== "https:") {
    record(context, GROUP, "tls.client", "TLS of the client API", "fail", [`base URL ${baseUrl} is plain HTTP`], "Serve the client API over HTTPS and publish the https:// URL in m.homeserver.base_url");
    return;
  }
  const probe = await probeEndpoint(context, "tls.client", "TLS of the client API", url.hostname, url.port ? Number(url.port) : 443);
  if (probe) await judge(context, "tls.client", "TLS of the client API", probe, url.host);
}

/**
 * The delegating domain serves both well-known files; servers and clients fetch them with full
 * certificate checks. Judged from its own handshake, so a well-known file that hangs or errors
 * does not hide a bad certificate.
 */
export async function checkWellKnownTls(context: VerifyContext, serverHost: string | undefined): Promise<void> {
  const title = "TLS of the well-known host";
  if (!serverHost) {
    record(context, GROUP, "tls.well-known", title, "skip", ["the server name has an IP literal or explicit port: no well-known lookup"]);
    return;
  }
  // Nothing on port 443 is a legitimate setup (SRV or port 8448 carry discovery), not a TLS fault.
  const probe = await probeEndpoint(context, "tls.well-known", title, serverHost, 443, "skip");
  if (probe) await judge(context, "tls.well-known", title, probe, hostForUrl(serverHost, 443));
}

export async function checkFederationTls(context: VerifyContext, probe: TlsProbe | undefined): Promise<void> {
  if (!probe) {
    record(context, GROUP, "tls.federation", "TLS of the federation API", "skip", ["no federation destination answered (see discovery)"]);
    return;
  }
  // Servers check the certificate against the name discovery produced (server-server API "Resolving server names").
  await judge(context, "tls.federation", "TLS of the federation API", probe, `the federation listener ${hostForUrl(probe.servername, probe.target.port)}`);
}
