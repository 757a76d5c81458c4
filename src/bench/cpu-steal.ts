import { readFile } from "node:fs/promises";

// CPU steal: time the hypervisor gave this machine's virtual CPUs to someone else. A bench on a
// virtual machine whose neighbours are busy measures them too; the report flags it as noise.

/** The aggregate `cpu` line of /proc/stat, in clock ticks. */
export interface CpuTimes {
  readonly total: number;
  readonly steal: number;
}

/** Parses /proc/stat's first line: `cpu user nice system idle iowait irq softirq steal guest guest_nice`. */
export function parseCpuTimes(procStat: string): CpuTimes | null {
  const line = procStat.split("\n").find((l) => /^cpu\s/.test(l));
  if (!line) return null;
  const fields = line.trim().split(/\s+/).slice(1).map(Number);
  if (fields.length < 8 || fields.some((n) => !Number.isFinite(n))) return null;
  // guest and guest_nice are already counted in user and nice.
  const total = fields.slice(0, 8).reduce((a, b) => a + b, 0);
  return { total, steal: fields[7]! };
}

/** Steal as a share of all CPU time between two readings, 0–100; null when nothing elapsed. */
export function stealPercent(before: CpuTimes, after: CpuTimes): number | null {
  const elapsed = after.total - before.total;
  if (elapsed <= 0) return null;
  return Math.round(((after.steal - before.steal) / elapsed) * 1000) / 10;
}

/** The machine's CPU times now, or null where there is no /proc/stat (not Linux). */
export async function readCpuTimes(): Promise<CpuTimes | null> {
  try {
    return parseCpuTimes(await readFile("/proc/stat", "utf8"));
  } catch {
    return null;
  }
}
