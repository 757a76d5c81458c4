import type { CheckResult, VerifyReport } from "../../../../src/verify/types.ts";

/** The check with this ID; throws naming the IDs there are when it is missing. */
export function check(report: VerifyReport, id: string): CheckResult {
  const found = report.checks.find((c) => c.id === id);
  if (!found) throw new Error(`no check ${id} in ${report.checks.map((c) => c.id).join(", ")}`);
  return found;
}

/** Checks that warned or failed, as `id=status`, so a test can say exactly which checks a mistake trips. */
export function problems(report: VerifyReport): string[] {
  return report.checks.filter((c) => c.status === "warn" || c.status === "fail").map((c) => `${c.id}=${c.status}`).sort();
}
