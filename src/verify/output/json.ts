import type { VerifyReport } from "../types.ts";

/** The report for machines: `summary` (counts, wall time, request count) and every check. */
export function formatJson(report: VerifyReport): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}
