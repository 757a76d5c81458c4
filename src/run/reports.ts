import { appendFileSync, mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { generateAllureReport, writeAllureResults } from "../../reporters/allure.ts";
import { renderJson } from "../../reporters/json.ts";
import { renderJunit } from "../../reporters/junit.ts";
import { renderMarkdown } from "../../reporters/markdown.ts";
import { describeTarget, type RunResults } from "./results.ts";

export interface WrittenReports {
  paths: Record<string, string>;
  notes: string[];
}

/** Writes every report of a run into `outDir`, and the Markdown summary to `$GITHUB_STEP_SUMMARY` when set. */
export async function writeReports(results: RunResults, outDir: string, options: { allure: boolean; env?: NodeJS.ProcessEnv }): Promise<WrittenReports> {
  const dir = resolve(outDir);
  mkdirSync(dir, { recursive: true });
  const paths: Record<string, string> = {};
  const notes: string[] = [];
  paths.json = join(dir, "results.json");
  writeFileSync(paths.json, renderJson(results));
  paths.junit = join(dir, "junit.xml");
  writeFileSync(paths.junit, renderJunit(results));
  const markdown = renderMarkdown(results);
  paths.markdown = join(dir, "summary.md");
  writeFileSync(paths.markdown, markdown);
  const stepSummary = (options.env ?? process.env).GITHUB_STEP_SUMMARY;
  if (stepSummary) {
    appendFileSync(stepSummary, `${markdown}\n`);
    paths["step summary"] = stepSummary;
  }
  if (options.allure) {
    const resultsDir = join(dir, "allure-results");
    writeAllureResults(results, resultsDir);
    paths["allure results"] = resultsDir;
    const report = await generateAllureReport(resultsDir, join(dir, "allure-report"), `Gauntlet: ${describeTarget(results.target)}`);
    if (report.ok) paths.allure = report.index;
    else notes.push(`no Allure HTML report: ${report.reason}`);
  }
  return { paths, notes };
}
