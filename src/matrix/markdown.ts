import type { ComplianceMatrix, MatrixCell } from "./model.ts";

function cell(text: string): string {
  return text.replace(/\|/g, "\\|").replace(/\n/g, " ");
}

/** A code span that survives any backticks in the text. */
function code(text: string): string {
  return `\`\` ${text.replace(/\n/g, " ")} \`\``;
}

function countsOf(matrixCell: MatrixCell | null): string {
  if (!matrixCell) return "—";
  const counts = `${matrixCell.passed} / ${matrixCell.expectedFailures} / ${matrixCell.unexpectedFailures}`;
  const shown = matrixCell.unexpectedFailures > 0 ? `**${counts}**` : counts;
  return matrixCell.anchor ? `[${shown}](#${matrixCell.anchor})` : shown;
}

/** The matrix as a Markdown table for a pull request or `$GITHUB_STEP_SUMMARY`, failures listed below it. */
export function renderMatrixMarkdown(matrix: ComplianceMatrix): string {
  const lines = [
    "## Gauntlet compliance matrix",
    "",
    "Each cell: passed / expected failures / unexpected failures; — marks a suite the deployment did not run.",
    "",
    `| area / suite | ${matrix.columns.map((c) => cell(`${c.label} (${c.versions.join(", ")})`)).join(" | ")} |`,
    `|---|${matrix.columns.map(() => "---:").join("|")}|`,
  ];
  for (const row of matrix.rows) {
    const name = row.kind === "area" ? `**${cell(row.label)}**` : `&nbsp;&nbsp;${cell(row.label)}`;
    lines.push(`| ${name} | ${row.cells.map(countsOf).join(" | ")} |`);
  }
  lines.push("", "### Failures", "");
  let any = false;
  matrix.columns.forEach((column, index) => {
    for (const row of matrix.rows) {
      const matrixCell = row.cells[index];
      if (row.kind !== "suite" || !matrixCell?.anchor) continue;
      any = true;
      // The area's cell links to the first of its suites' lists.
      const areaAnchor = matrix.rows.find((r) => r.kind === "area" && r.area === row.area)?.cells[index]?.anchor;
      if (areaAnchor && matrix.rows.find((r) => r.kind === "suite" && r.area === row.area && r.cells[index]?.anchor) === row) lines.push(`<a name="${areaAnchor}"></a>`);
      lines.push(`<a name="${matrixCell.anchor}"></a>`, "", `#### ${cell(column.label)}: ${cell(row.label)}`, "");
      for (const failure of matrixCell.failures) {
        const known = failure.reason ? ` (known: ${cell(failure.reason)})` : "";
        lines.push(`- ${failure.verdict === "expected-failure" ? "expected" : "**unexpected**"}: ${code(failure.id)}${known}: ${code(failure.message)}`);
      }
      lines.push("");
    }
  });
  if (!any) lines.push("None.", "");
  return lines.join("\n");
}
