// Scenario parameters from __ENV, which `gauntlet load` fills from its flags
// (--url, --rate, --vus, --duration, --env KEY=VALUE) and `k6 run -e` fills directly.

/** The homeserver's client-server base URL, without a trailing slash. */
export function baseUrl(): string {
  const url = __ENV.GAUNTLET_BASE_URL;
  if (!url) throw new Error("GAUNTLET_BASE_URL is not set: pass the homeserver's base URL (gauntlet load --url, or k6 run -e GAUNTLET_BASE_URL=…)");
  return url.replace(/\/+$/, "");
}

export function numberParameter(name: string, fallback: number): number {
  const raw = __ENV[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0) throw new Error(`${name}=${raw}: expected a non-negative number`);
  return value;
}

export function stringParameter(name: string, fallback: string): string {
  const raw = __ENV[name];
  return raw === undefined || raw === "" ? fallback : raw;
}

/** A comma-separated list of numbers, e.g. GAUNTLET_ROOM_COUNTS=10,100,500. */
export function numberListParameter(name: string, fallback: number[]): number[] {
  const raw = __ENV[name];
  if (raw === undefined || raw === "") return fallback;
  return raw.split(",").map((part) => {
    const value = Number(part.trim());
    if (!Number.isFinite(value) || value <= 0) throw new Error(`${name}=${raw}: expected positive numbers separated by commas`);
    return value;
  });
}

/** Seconds in a k6 duration such as "30s", "2m" or "1m30s". */
export function durationSeconds(duration: string): number {
  let seconds = 0;
  const units: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600 };
  const pattern = /(\d+(?:\.\d+)?)(ms|s|m|h)/g;
  let consumed = 0;
  for (let match = pattern.exec(duration); match; match = pattern.exec(duration)) {
    seconds += Number(match[1]) * (units[match[2] ?? "s"] ?? 1);
    consumed += match[0].length;
  }
  if (consumed !== duration.length || consumed === 0) throw new Error(`"${duration}" is not a duration such as "30s" or "2m"`);
  return seconds;
}

/** A run identifier for user and room names: the seed makes the workload repeatable, the time keeps names unique on a reused server. */
export function runLabel(scenario: string): string {
  const seed = stringParameter("GAUNTLET_SEED", "1");
  return `${scenario}-${seed}-${Date.now().toString(36)}`;
}
