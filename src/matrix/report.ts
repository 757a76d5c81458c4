import { appendFileSync, mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { UserError } from "../errors/user-error.ts";
import { readResultsFile } from "../run/results-file.ts";
import { renderMatrixHtml } from "./html.ts";
import { renderMatrixMarkdown } from "./markdown.ts";
import { buildMatrix, type ComplianceMatrix } from "./model.ts";

/** `gauntlet matrix`: the matrix of several runs' results.json, as matrix.html and matrix.md in `outDir`. */
export function writeMatrix(paths: string[], outDir: string, env: NodeJS.ProcessEnv = process.env): { matrix: ComplianceMatrix; paths: Record<string, string> } {
  let matrix: ComplianceMatrix;
  try {
    matrix = buildMatrix(paths.map(readResultsFile));
  } catch (error) {
    throw new UserError((error as Error).message, 2);
  }
  const dir = resolve(outDir);
  mkdirSync(dir, { recursive: true });
  const written: Record<string, string> = { html: join(dir, "matrix.html"), markdown: join(dir, "matrix.md") };
  writeFileSync(written.html!, renderMatrixHtml(matrix));
  const markdown = renderMatrixMarkdown(matrix);
  writeFileSync(written.markdown!, markdown);
  if (env.GITHUB_STEP_SUMMARY) {
    appendFileSync(env.GITHUB_STEP_SUMMARY, `${markdown}\n`);
    written["step summary"] = env.GITHUB_STEP_SUMMARY;
  }
  return { matrix, paths: written };
}
