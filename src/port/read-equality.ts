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

/** One line per differing read with both answers, each cut to `width` characters. */
export function describeDifferences(differences: readonly DifferingRead[], width = 600): string {
  const show = (answer: ReadAnswer | undefined): string => {
    if (!answer) return "(not read)";
    const text = `HTTP ${answer.status} ${JSON.stringify(answer.body)}`;
    return text.length > width ? `${text.slice(0, width)}…` : text;
  };
  return differences.map((d) => `${d.read}\n  before: ${show(d.before)}\n  after:  ${show(d.after)}`).join("\n");
}
