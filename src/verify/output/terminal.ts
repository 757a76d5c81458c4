import type { CheckStatus, VerifyReport } from "../types.ts";

const MARK: Record<CheckStatus, string> = { pass: "✔", info: "i", warn: "!", fail: "✘", skip: "-" };
const COLOUR: Record<CheckStatus, string> = { pass: "\x1b[32m", info: "\x1b[36m", warn: "\x1b[33m", fail: "\x1b[31m", skip: "\x1b[2m" };

/** The checklist for people: grouped, one mark per check, evidence and fix indented beneath. */
export function formatTerminal(report: VerifyReport, colour: boolean): string {
  const paint = (status: CheckStatus, text: string) => (colour ? `${COLOUR[status]}${text}\x1b[0m` : text);
  const lines: string[] = [`gauntlet verify ${report.summary.serverName}`, ""];
  let group = "";
  for (const check of report.checks) {
    if (check.group !== group) {
      group = check.group;
      lines.push(group);
    }
    lines.push(`  ${paint(check.status, `${MARK[check.status]} ${check.status.padEnd(4)}`)} ${check.title}  (${check.id})`);
    for (const line of check.evidence) lines.push(`         ${line}`);
    if (check.fix) lines.push(`         fix: ${check.fix}`);
  }
  const s = report.summary;
  lines.push(
    "",
    `${s.counts.pass} passed, ${s.counts.info} notes, ${s.counts.warn} warnings, ${s.counts.fail} failed, ${s.counts.skip} skipped`,
    `${s.httpRequests} HTTP requests (${Object.entries(s.requestsByMethod).map(([m, n]) => `${m} ${n}`).join(", ")}), ${s.tlsHandshakes} TLS probes, ${s.dnsQueries} DNS lookups in ${(s.wallTimeMs / 1000).toFixed(2)} s${s.deadlineReached ? ` (stopped at the run's deadline of ${s.deadlineMs / 1000} s)` : ""}`,
  );
  if (s.federation) lines.push(`federation: ${s.federation.host}:${s.federation.port} (${s.federation.address ?? "?"}) via ${s.federation.via}, TLS name ${s.federation.tlsServerName}`);
  return `${lines.join("\n")}\n`;
}
