import { readFile } from "node:fs/promises";
import type { SummaryExport } from "../summary/summary-export.ts";

/** Reads a summary export; undefined when the engine wrote none (it ended before its summary). */
export async function readSummaryExport(path: string): Promise<SummaryExport | undefined> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch {
    return undefined;
  }
  const parsed = JSON.parse(text) as Partial<SummaryExport>;
  if (typeof parsed.metrics !== "object" || parsed.metrics === null) {
    throw new Error(`${path} is not a k6 summary export: expected a "metrics" object, found keys ${Object.keys(parsed).join(", ")}`);
  }
  return parsed as SummaryExport;
}
