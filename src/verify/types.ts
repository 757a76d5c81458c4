/**
 * How one check of a deployment came out. `info` reports an optional feature that is absent;
 * `skip` means the check did not run (missing credentials, a failed prerequisite, read-only mode).
 */
export type CheckStatus = "pass" | "info" | "warn" | "fail" | "skip";

/** One line of the checklist: what was checked, what was seen, and what to do about it. */
export interface CheckResult {
  /** Stable identifier, e.g. `federation.keys.signature`. */
  id: string;
  /** Section of the checklist: discovery, client-discovery, tls, federation, client-api, writes. */
  group: string;
  title: string;
  status: CheckStatus;
  /** What was observed: URLs, statuses, headers, values. Never tokens or passwords. */
  evidence: string[];
  /** One line telling the operator what to change; present when the status is not `pass`. */
  fix?: string;
}

export interface VerifyOptions {
  /** The server name to verify (the part after the colon in user IDs), e.g. `example.org`. */
  serverName: string;
  /** `HOST:PORT:ADDR[:PORT]` entries, like curl's `--resolve`. */
  resolve: string[];
  /** A DNS server (`ADDR:PORT`) used for every SRV, A and AAAA lookup instead of the system resolver. */
  dns?: string;
  /** PEM bundle of CA certificates to trust instead of Node's built-in roots. */
  caPem?: string;
  /** Per request: connect, TLS, headers and body together. */
  timeoutMs: number;
  /** For the whole run; checks not reached by then are not run. */
  deadlineMs: number;
  /** False when the deployment does not federate on purpose: federation checks are replaced by one note. */
  federation?: boolean;
  allowWrites: boolean;
  allowOpenRegistration: boolean;
  credentials?: { accessToken: string } | { user: string; password: string };
  /** Called as each check finishes, for live terminal output. */
  onCheck?: (check: CheckResult) => void;
}

export interface VerifySummary {
  serverName: string;
  startedAt: string;
  wallTimeMs: number;
  deadlineMs: number;
  /** The run stopped at its deadline before every check ran. */
  deadlineReached: boolean;
  httpRequests: number;
  /** HTTP requests by method, so a reader can see that a read-only run sent no writes. */
  requestsByMethod: Record<string, number>;
  tlsHandshakes: number;
  dnsQueries: number;
  counts: Record<CheckStatus, number>;
  /** Where federation traffic goes: host, port and the name TLS must present. */
  federation?: { host: string; port: number; address?: string; tlsServerName: string; hostHeader: string; via: string };
  clientBaseUrl?: string;
  ok: boolean;
}

export interface VerifyReport {
  summary: VerifySummary;
  checks: CheckResult[];
}
