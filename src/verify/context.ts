import { DeadlineReached, type RunDeadline } from "./deadline.ts";
import type { HttpClient } from "./http.ts";
import type { Resolver } from "./resolver.ts";
import type { TlsStats } from "./tls-probe.ts";
import type { CheckResult, CheckStatus, VerifyOptions } from "./types.ts";

/** What every check needs: the options, the counted HTTP client and resolver, and where results go. */
export interface VerifyContext {
  options: VerifyOptions;
  http: HttpClient;
  resolver: Resolver;
  tlsStats: TlsStats;
  /** The run's overall time limit; every step takes at most what is left of it. */
  deadline: RunDeadline;
  results: CheckResult[];
}

/** Milliseconds one handshake or probe may take: the per-request timeout, cut to what is left of the run. */
export function stepTimeoutMs(context: VerifyContext, what: string): number {
  if (context.deadline.expired) throw new DeadlineReached(context.deadline, what);
  return context.deadline.budget(context.options.timeoutMs).ms;
}

/** Records one check result (and reports it live). */
export function record(
  context: VerifyContext,
  group: string,
  id: string,
  title: string,
  status: CheckStatus,
  evidence: string[],
  fix?: string,
): CheckResult {
  const result: CheckResult = { id, group, title, status, evidence, ...(fix && status !== "pass" ? { fix } : {}) };
  context.results.push(result);
  context.options.onCheck?.(result);
  return result;
}

/** `Header: value` for evidence, or `Header: (absent)`. */
export function headerEvidence(headers: Record<string, string | string[] | undefined>, name: string): string {
  const value = headers[name.toLowerCase()];
  return `${name}: ${value === undefined ? "(absent)" : Array.isArray(value) ? value.join(", ") : value}`;
}
