import { checkAdminApi, checkLoginFlows, checkMediaConfig, checkRegistration } from "./checks/client-api.ts";
import { checkClientDiscovery } from "./checks/client-discovery.ts";
import { checkServerDiscovery } from "./checks/discovery.ts";
import { checkFederation } from "./checks/federation.ts";
import { checkClientTls, checkFederationTls, checkWellKnownTls } from "./checks/tls.ts";
import { checkWhoami, checkWrites, closeSession, openSession } from "./checks/writes.ts";
import { record, type VerifyContext } from "./context.ts";
import { HttpClient } from "./http.ts";
import { Resolver } from "./resolver.ts";
import type { CheckStatus, VerifyOptions, VerifyReport } from "./types.ts";

/** Runs every check against a live deployment and returns the checklist with a summary. */
export async function verifyDeployment(options: VerifyOptions): Promise<VerifyReport> {
  const started = performance.now();
  const startedAt = new Date().toISOString();
  const resolver = new Resolver({ resolve: options.resolve, ...(options.dns ? { dns: options.dns } : {}), timeoutMs: options.timeoutMs });
  const http = new HttpClient({ resolver, ...(options.caPem ? { caPem: options.caPem } : {}), timeoutMs: options.timeoutMs });
  const context: VerifyContext = { options, http, resolver, tlsStats: { handshakes: 0 }, results: [] };

  // Federation and client discovery are independent; each runs its requests in order.
  const [discovery, client] = await Promise.all([checkServerDiscovery(context), checkClientDiscovery(context)]);
  const server = discovery.outcome?.serverName;
  const wellKnownHost = server && !server.isIpLiteral && server.port === undefined ? server.host : undefined;
  await checkWellKnownTls(context, wellKnownHost, discovery.outcome?.wellKnown?.response !== undefined);
  await checkFederationTls(context, discovery.federationTls);
  await checkFederation(context, discovery.destination, discovery.federationTls !== undefined);
  await checkClientTls(context, client.baseUrl);

  const baseUrl = client.baseUrl;
  if (baseUrl) {
    await checkLoginFlows(context, baseUrl);
    await checkRegistration(context, baseUrl);
    await checkAdminApi(context, baseUrl);
    const session = await openSession(context, baseUrl);
    try {
      await checkMediaConfig(context, baseUrl, session?.accessToken);
      await checkWhoami(context, baseUrl, session);
      await checkWrites(context, baseUrl, session);
    } finally {
      await closeSession(context, baseUrl, session);
    }
  } else {
    record(context, "client-api", "client.api", "Client API", "skip", ["no homeserver base URL was discovered (see client-discovery)"]);
  }

  // Checks run partly in parallel; the checklist reads in a fixed order of sections.
  const order = ["discovery", "client-discovery", "tls", "federation", "client-api", "account"];
  const checks = [...context.results].sort((a, b) => order.indexOf(a.group) - order.indexOf(b.group));
  const counts: Record<CheckStatus, number> = { pass: 0, warn: 0, fail: 0, skip: 0 };
  for (const result of context.results) counts[result.status]++;
  const requestsByMethod: Record<string, number> = {};
  for (const entry of http.log) requestsByMethod[entry.method] = (requestsByMethod[entry.method] ?? 0) + 1;
  const destination = discovery.destination;
  const target = destination?.targets[0];
  return {
    summary: {
      serverName: options.serverName,
      startedAt,
      wallTimeMs: Math.round(performance.now() - started),
      httpRequests: http.requestCount,
      requestsByMethod,
      tlsHandshakes: context.tlsStats.handshakes,
      dnsQueries: resolver.queries,
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
    },
    checks,
  };
}
