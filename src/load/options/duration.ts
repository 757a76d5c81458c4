const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, us: 0.001, µs: 0.001 };
const PART = /(\d+(?:\.\d+)?)(ms|us|µs|s|m|h)/gy;

/**
 * Milliseconds in a k6 duration: "30s", "1m30s", "250ms", or a bare number of milliseconds
 * (k6 reads numbers in options as milliseconds).
 */
export function parseDuration(value: string | number): number {
  if (typeof value === "number") return value;
  const text = value.trim();
  if (/^\d+(?:\.\d+)?$/.test(text)) return Number(text) * 1000;
  let total = 0;
  let end = 0;
  PART.lastIndex = 0;
  for (let match = PART.exec(text); match; match = PART.exec(text)) {
    total += Number(match[1]) * UNIT_MS[match[2]!]!;
    end = PART.lastIndex;
  }
  if (text === "" || end !== text.length) {
    throw new Error(`"${value}" is not a duration; write it as k6 does, e.g. "30s", "1m30s" or "250ms"`);
  }
  return total;
}
