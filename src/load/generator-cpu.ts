import { readFile } from "node:fs/promises";

// The load generator's CPU time. An engine that runs as a child process of this one (the node
// engine, a k6 binary) adds its user and system time to this process's cutime and cstime
// (/proc/self/stat) once it has ended and been waited for, so the difference across a run is
// the generator's own, initialization included: no other child of this process ends while a
// load engine runs. A generator in a container is not a child.

// USER_HZ, the unit of /proc's times: 100 on every Linux architecture Node runs on.
const TICKS_PER_SECOND = 100;

/** The CPU times of a /proc/PID/stat line in seconds: the process's own, and its ended children's; null when the line does not parse. */
export function parseProcessCpu(procStat: string): { own: number; children: number } | null {
  // The command name (field 2) may hold spaces and parentheses; the fields after it do not.
  const close = procStat.lastIndexOf(")");
  if (close < 0) return null;
  const fields = procStat.slice(close + 2).trim().split(/\s+/);
  // Field 3 (state) is fields[0], so field n is fields[n - 3]: utime, stime, cutime, cstime are 14-17.
  const [utime, stime, cutime, cstime] = fields.slice(11, 15).map(Number);
  if (fields.length < 15 || ![utime, stime, cutime, cstime].every((n) => Number.isInteger(n))) return null;
  return { own: (utime! + stime!) / TICKS_PER_SECOND, children: (cutime! + cstime!) / TICKS_PER_SECOND };
}

/** cutime + cstime of a /proc/PID/stat line, in seconds; null when the line does not parse. */
export function parseChildCpuSeconds(procStat: string): number | null {
  return parseProcessCpu(procStat)?.children ?? null;
}

/** CPU seconds of this process's ended children so far, or null where there is no /proc (not Linux). */
export async function readChildCpuSeconds(): Promise<number | null> {
  try {
    return parseChildCpuSeconds(await readFile("/proc/self/stat", "utf8"));
  } catch {
    return null;
  }
}

/** A child's CPU share of one core over `wallMs` (100 = one core busy), to 0.1; null when either reading is missing. */
export function cpuPercentOver(before: number | null, after: number | null, wallMs: number): number | null {
  if (before === null || after === null || !(wallMs > 0)) return null;
  return Math.round(((after - before) / (wallMs / 1000)) * 1000) / 10;
}
