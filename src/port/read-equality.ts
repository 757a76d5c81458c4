import type { ReadAnswer, ReadAnswers } from "./deployment-reads.ts";

/** A read whose answer changed, with both answers. */
export interface DifferingRead {
  readonly read: string;
  readonly before: ReadAnswer | undefined;
  readonly after: ReadAnswer | undefined;
}

/** Every read answered differently (or only once) before and after; empty when nothing was lost or changed. */
export function differingReads(before: ReadAnswers, after: ReadAnswers): DifferingRead[] {
  const names = [...new Set([...before.keys(), ...after.keys()])];
  return names
    .filter((name) => JSON.stringify(before.get(name)) !== JSON.stringify(after.get(name)))
    .map((name) => ({ read: name, before: before.get(name), after: after.get(name) }));
}

/** The first JSON path where two answers part, e.g. `body.end`, and the two values there. */
export function firstDifference(before: unknown, after: unknown, path = ""): { path: string; before: unknown; after: unknown } | undefined {
  if (JSON.stringify(before) === JSON.stringify(after)) return undefined;
  if (before && after && typeof before === "object" && typeof after === "object" && Array.isArray(before) === Array.isArray(after)) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])];
    for (const key of keys) {
      const found = firstDifference((before as Record<string, unknown>)[key], (after as Record<string, unknown>)[key], path ? `${path}.${key}` : key);
      if (found) return found;
    }
  }
  return { path: path || "(whole answer)", before, after };
}

/** One entry per differing read: where the answers part, and both answers cut to `width` characters. */
export function describeDifferences(differences: readonly DifferingRead[], width = 600): string {
  const show = (answer: ReadAnswer | undefined): string => {
    if (!answer) return "(not read)";
    const text = `HTTP ${answer.status} ${JSON.stringify(answer.body)}`;
    return text.length > width ? `${text.slice(0, width)}…` : text;
  };
  return differences
    .map((d) => {
      const at = firstDifference(d.before, d.after);
      const where = at ? `\n  first difference at ${at.path}: ${JSON.stringify(at.before)} then ${JSON.stringify(at.after)}` : "";
      return `${d.read}${where}\n  before: ${show(d.before)}\n  after:  ${show(d.after)}`;
    })
    .join("\n");
}
