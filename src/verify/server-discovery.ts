import { HttpFailure, jsonObject, type HttpClient, type HttpResponse } from "./http.ts";
import type { ConnectTarget, Resolver } from "./resolver.ts";
import { hostForUrl, parseServerName, type ServerName } from "./server-name.ts";

/** Where federation requests for a server name go, per server-server API "Resolving server names". */
export interface FederationDestination {
  host: string;
  port: number;
  targets: ConnectTarget[];
  /** The name the certificate must be valid for. */
  tlsServerName: string;
  hostHeader: string;
  /** Which step of the algorithm decided: `IP literal`, `explicit port`, `.well-known`, `SRV _matrix-fed._tcp`, … */
  via: string;
}

export interface WellKnownServer {
  url: string;
  response?: HttpResponse;
  error?: string;
  /** The host accepted the request but did not finish its answer in time. */
  stalled?: boolean;
  /** The `m.server` value when the answer was valid. */
  delegated?: ServerName;
  /** Why a 200 answer was not a valid delegation. */
  invalid?: string;
}

export interface DiscoveryOutcome {
  serverName: ServerName;
  /** Human-readable trail of each step taken, for evidence. */
  steps: string[];
  wellKnown?: WellKnownServer;
  /** `_matrix._tcp` answered where `_matrix-fed._tcp` did not: deprecated since spec v1.8. */
  usedDeprecatedSrv: boolean;
  destination?: FederationDestination;
  error?: string;
}

const DEFAULT_FEDERATION_PORT = 8448;

export async function fetchWellKnownServer(http: HttpClient, host: string): Promise<WellKnownServer> {
  const url = `https://${hostForUrl(host)}/.well-known/matrix/server`;
  let response: HttpResponse;
  try {
    // Redirects are followed, bounded (server-server API, "GET /.well-known/matrix/server").
    response = await http.request({ url, followRedirects: 10 });
  } catch (error) {
    return { url, error: error instanceof HttpFailure ? error.message : String(error), stalled: error instanceof HttpFailure && error.stalled };
  }
  if (response.status !== 200) return { url, response };
  const body = jsonObject(response.body);
  if (!body) return { url, response, invalid: `body is not a JSON object (content-type ${response.headers["content-type"] ?? "none"}, starts ${JSON.stringify(response.body.slice(0, 40))})` };
  const value = body["m.server"];
  if (typeof value !== "string") return { url, response, invalid: `"m.server" is ${value === undefined ? "missing" : `a ${typeof value}, not a string`}` };
  try {
    return { url, response, delegated: parseServerName(value) };
  } catch (error) {
    return { url, response, invalid: `"m.server": ${(error as Error).message}` };
  }
}

async function viaSrv(resolver: Resolver, host: string, steps: string[]): Promise<{ destination?: Omit<FederationDestination, "tlsServerName" | "hostHeader">; deprecated: boolean }> {
  for (const [service, deprecated] of [["_matrix-fed._tcp", false], ["_matrix._tcp", true]] as const) {
    const name = `${service}.${host}`;
    let records;
    try {
      records = await resolver.srv(name);
    } catch (error) {
      steps.push(`SRV ${name}: ${(error as Error).message}`);
      continue;
    }
    if (records.length === 0) {
      steps.push(`SRV ${name}: no records`);
      continue;
    }
    steps.push(`SRV ${name}: ${records.map((r) => `${r.priority} ${r.weight} ${r.port} ${r.name}`).join(", ")}`);
    // Bounded: the first three SRV targets by priority are tried for addresses.
    for (const record of records.slice(0, 3)) {
      try {
        const targets = await resolver.connectTargets(record.name, record.port);
        return { destination: { host: record.name, port: record.port, targets, via: `SRV ${service}` }, deprecated };
      } catch (error) {
        steps.push(`${record.name}: ${(error as Error).message}`);
      }
    }
  }
  return { deprecated: false };
}

async function addressFor(resolver: Resolver, host: string, port: number, steps: string[]): Promise<ConnectTarget[] | undefined> {
  try {
    const targets = await resolver.connectTargets(host, port);
    steps.push(`${hostForUrl(host, port)} -> ${targets.map((t) => `${hostForUrl(t.address, t.port)} (${t.source})`).join(", ")}`);
    return targets;
  } catch (error) {
    steps.push(`${hostForUrl(host, port)}: ${(error as Error).message}`);
    return undefined;
  }
}

/** Follows the server-server API "Resolving server names" algorithm for `serverName`. */
export async function discoverServer(http: HttpClient, resolver: Resolver, serverNameText: string): Promise<DiscoveryOutcome> {
  const serverName = parseServerName(serverNameText);
  const steps: string[] = [];
  const outcome = (rest: Partial<DiscoveryOutcome>): DiscoveryOutcome => ({ serverName, steps, usedDeprecatedSrv: false, ...rest });

  // Step 1: an IP literal is used as is, port 8448 unless given.
  if (serverName.isIpLiteral) {
    const port = serverName.port ?? DEFAULT_FEDERATION_PORT;
    steps.push(`${serverName.text} is an IP literal: no .well-known, no SRV`);
    const targets = await addressFor(resolver, serverName.host, port, steps);
    if (!targets) return outcome({ error: steps.at(-1) });
    return outcome({ destination: { host: serverName.host, port, targets, tlsServerName: serverName.host, hostHeader: serverName.text, via: "IP literal" } });
  }
  // Step 2: an explicit port skips .well-known and SRV.
  if (serverName.port !== undefined) {
    steps.push(`${serverName.text} has an explicit port: no .well-known, no SRV`);
    const targets = await addressFor(resolver, serverName.host, serverName.port, steps);
    if (!targets) return outcome({ error: steps.at(-1) });
    return outcome({ destination: { host: serverName.host, port: serverName.port, targets, tlsServerName: serverName.host, hostHeader: serverName.text, via: "explicit port" } });
  }
  // Step 3: .well-known delegation.
  const wellKnown = await fetchWellKnownServer(http, serverName.host);
  if (wellKnown.delegated) {
    const delegated = wellKnown.delegated;
    steps.push(`${wellKnown.url} delegates to ${delegated.text}`);
    if (delegated.isIpLiteral || delegated.port !== undefined) {
      const port = delegated.port ?? DEFAULT_FEDERATION_PORT;
      const targets = await addressFor(resolver, delegated.host, port, steps);
      if (!targets) return outcome({ wellKnown, error: steps.at(-1) });
      return outcome({
        wellKnown,
        destination: { host: delegated.host, port, targets, tlsServerName: delegated.host, hostHeader: delegated.text, via: `.well-known (${delegated.isIpLiteral ? "IP literal" : "explicit port"})` },
      });
    }
    const srv = await viaSrv(resolver, delegated.host, steps);
    if (srv.destination) {
      return outcome({ wellKnown, usedDeprecatedSrv: srv.deprecated, destination: { ...srv.destination, via: `.well-known then ${srv.destination.via}`, tlsServerName: delegated.host, hostHeader: delegated.host } });
    }
    const targets = await addressFor(resolver, delegated.host, DEFAULT_FEDERATION_PORT, steps);
    if (!targets) return outcome({ wellKnown, error: steps.at(-1) });
    return outcome({ wellKnown, destination: { host: delegated.host, port: DEFAULT_FEDERATION_PORT, targets, tlsServerName: delegated.host, hostHeader: delegated.host, via: ".well-known then port 8448" } });
  }
  steps.push(`${wellKnown.url}: ${wellKnown.error ?? wellKnown.invalid ?? `HTTP ${wellKnown.response?.status}`}; falling back to SRV`);
  // Steps 4 and 5: SRV on the server name itself.
  const srv = await viaSrv(resolver, serverName.host, steps);
  if (srv.destination) {
    return outcome({ wellKnown, usedDeprecatedSrv: srv.deprecated, destination: { ...srv.destination, tlsServerName: serverName.host, hostHeader: serverName.host } });
  }
  // Step 6: the server name on port 8448.
  const targets = await addressFor(resolver, serverName.host, DEFAULT_FEDERATION_PORT, steps);
  if (!targets) return outcome({ wellKnown, error: steps.at(-1) });
  return outcome({ wellKnown, destination: { host: serverName.host, port: DEFAULT_FEDERATION_PORT, targets, tlsServerName: serverName.host, hostHeader: serverName.host, via: "port 8448 fallback" } });
}
