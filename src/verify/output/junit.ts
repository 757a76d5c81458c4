import type { VerifyReport } from "../types.ts";

function escapeXml(text: string): string {
  // XML 1.0 forbids most control characters even when escaped.
  return text.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, "").replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

/** JUnit XML: one suite per group, a failure per failed check; warnings pass with their evidence in system-out. */
export function formatJunit(report: VerifyReport): string {
  const groups = new Map<string, VerifyReport["checks"]>();
  for (const check of report.checks) groups.set(check.group, [...(groups.get(check.group) ?? []), check]);
  const s = report.summary;
  const out = [
    `<?xml version="1.0" encoding="UTF-8"?>`,
    `<testsuites name="gauntlet verify ${escapeXml(s.serverName)}" tests="${report.checks.length}" failures="${s.counts.fail}" skipped="${s.counts.skip}" time="${(s.wallTimeMs / 1000).toFixed(3)}">`,
  ];
  for (const [group, checks] of groups) {
    const failures = checks.filter((c) => c.status === "fail").length;
    const skipped = checks.filter((c) => c.status === "skip").length;
    out.push(`  <testsuite name="${escapeXml(group)}" tests="${checks.length}" failures="${failures}" skipped="${skipped}">`);
    for (const check of checks) {
      const body = [check.status.toUpperCase(), ...check.evidence, ...(check.fix ? [`fix: ${check.fix}`] : [])].join("\n");
      out.push(`    <testcase classname="verify.${escapeXml(group)}" name="${escapeXml(`${check.id}: ${check.title}`)}">`);
      if (check.status === "fail") out.push(`      <failure message="${escapeXml(check.fix ?? check.title)}">${escapeXml(body)}</failure>`);
      if (check.status === "skip") out.push(`      <skipped message="${escapeXml(check.evidence.join("; "))}"/>`);
      out.push(`      <system-out>${escapeXml(body)}</system-out>`, `    </testcase>`);
    }
    out.push(`  </testsuite>`);
  }
  out.push(`</testsuites>`);
  return `${out.join("\n")}\n`;
}
