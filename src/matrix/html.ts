import type { ComplianceMatrix, MatrixCell, MatrixColumn, MatrixRow } from "./model.ts";

function html(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

function cellClass(cell: MatrixCell): string {
  if (cell.unexpectedFailures > 0) return "unexpected";
  if (cell.expectedFailures > 0) return "expected";
  return cell.passed > 0 ? "passed" : "skipped";
}

function cellHtml(cell: MatrixCell | null): string {
  if (!cell) return `<td class="none" title="not run">—</td>`;
  const counts = `<span class="n-pass">${cell.passed}</span> / <span class="n-expected">${cell.expectedFailures}</span> / <span class="${cell.unexpectedFailures > 0 ? "n-unexpected" : "n-zero"}">${cell.unexpectedFailures}</span>`;
  const title = `${cell.passed} passed, ${cell.expectedFailures} expected failures, ${cell.unexpectedFailures} unexpected failures, ${cell.skipped} skipped`;
  const body = cell.anchor ? `<a href="#${cell.anchor}">${counts}</a>` : counts;
  return `<td class="${cellClass(cell)}" title="${html(title)}">${body}</td>`;
}

function rowHtml(row: MatrixRow): string {
  const name = row.kind === "area" ? `<th scope="row" class="area">${html(row.label)}</th>` : `<th scope="row" class="suite">${html(row.label.slice(row.area.length + 1))}</th>`;
  return `<tr class="${row.kind}">${name}${row.cells.map(cellHtml).join("")}</tr>`;
}

/** The failures of one column, grouped by area and suite, each under the anchor its cell links to. */
function failuresHtml(matrix: ComplianceMatrix, column: MatrixColumn, index: number): string {
  const parts: string[] = [];
  for (const row of matrix.rows) {
    const cell = row.cells[index];
    if (!cell?.anchor) continue;
    if (row.kind === "area") {
      parts.push(`<h3 id="${cell.anchor}">${html(column.label)}: ${html(row.label)}</h3>`);
      continue;
    }
    parts.push(`<h4 id="${cell.anchor}">${html(row.label)}</h4>`, "<ul>");
    for (const failure of cell.failures) {
      const kind = failure.verdict === "expected-failure" ? `<span class="tag expected">expected</span>` : `<span class="tag unexpected">unexpected</span>`;
      const reason = failure.reason ? `<div class="reason">known: ${html(failure.reason)}</div>` : "";
      parts.push(`<li>${kind} <code>${html(failure.id)}</code>${reason}<pre>${html(failure.message)}</pre></li>`);
    }
    parts.push("</ul>");
  }
  return parts.join("\n");
}

const STYLE = `
body { font: 14px/1.45 system-ui, sans-serif; margin: 24px; color: #1b1f24; }
table { border-collapse: collapse; }
th, td { border: 1px solid #d0d7de; padding: 4px 10px; }
thead th { background: #f6f8fa; vertical-align: bottom; }
thead .versions { font-weight: normal; font-size: 12px; color: #57606a; }
td { text-align: center; font-variant-numeric: tabular-nums; white-space: nowrap; }
th.suite { font-weight: normal; text-align: left; padding-left: 24px; }
th.area { text-align: left; }
tr.area td, tr.area th { background: #eef1f4; font-weight: 600; }
td.passed { background: #dafbe1; }
td.expected { background: #fff8c5; }
td.unexpected { background: #ffd8d3; }
td.none { color: #8c959f; }
td a { color: inherit; }
.n-unexpected { color: #a40e26; }
.tag { font-size: 11px; padding: 1px 6px; border-radius: 8px; }
.tag.expected { background: #fff8c5; }
.tag.unexpected { background: #ffd8d3; }
.reason { color: #57606a; }
pre { white-space: pre-wrap; overflow-wrap: anywhere; margin: 2px 0 8px; font-size: 12px; }
code { overflow-wrap: anywhere; }
`;

/** The matrix as one self-contained page: no script, opens from file://. */
export function renderMatrixHtml(matrix: ComplianceMatrix): string {
  const head = matrix.columns
    .map((c) => `<th scope="col">${html(c.label)}<div class="versions">${c.versions.map(html).join("<br>")}</div></th>`)
    .join("");
  const failures = matrix.columns.map((column, i) => failuresHtml(matrix, column, i)).filter(Boolean);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Gauntlet compliance matrix</title>
<style>${STYLE}</style>
</head>
<body>
<h1>Gauntlet compliance matrix</h1>
<p>Each cell: passed / expected failures / unexpected failures. A cell with failures links to them below; — marks a suite the deployment did not run.</p>
<table>
<thead><tr><th scope="col">area / suite</th>${head}</tr></thead>
<tbody>
${matrix.rows.map(rowHtml).join("\n")}
</tbody>
</table>
<h2>Failures</h2>
${failures.length > 0 ? failures.join("\n") : "<p>None.</p>"}
</body>
</html>
`;
}
