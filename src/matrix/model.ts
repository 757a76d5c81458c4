import type { RunResults, TestRecord } from "../run/results.ts";

/**
 * The compliance matrix: rows are spec areas (suite folders) and their suite files, columns are
 * deployments (implementation × database, and each pair of different implementations), each
 * cell counts the outcomes of that suite on that deployment.
 */

/** One deployment, as several runs' records name it. */
export interface MatrixColumn {
  /** `synapse/sqlite`, `synapse+dendrite/postgres`: also the anchor prefix of its failures. */
  key: string;
  /** For people: `synapse · sqlite`, `synapse ↔ dendrite · postgres`. */
  label: string;
  hs1: string;
  /** hs2's implementation when it differs from hs1's: the column is then an interop pair. */
  hs2: string | null;
  database: string | null;
  /** Versions the runs reported, e.g. `hs1 synapse 1.160.0`. */
  versions: string[];
  sources: string[];
}

export interface MatrixFailure {
  id: string;
  verdict: "expected-failure" | "unexpected-failure";
  /** The expectations file's reason, for an expected failure. */
  reason: string | null;
  /** First line of the failure message. */
  message: string;
}

export interface MatrixCell {
  passed: number;
  expectedFailures: number;
  unexpectedFailures: number;
  skipped: number;
  /** Where the failures of this cell are listed; null when it has none. */
  anchor: string | null;
  failures: MatrixFailure[];
}

export interface MatrixRow {
  kind: "area" | "suite";
  /** The suite folder (`client`), the spec area. */
  area: string;
  /** `client/login` for a suite row; the folder for an area row. */
  label: string;
  /** One cell per column; null where the column ran no test of the row. */
  cells: (MatrixCell | null)[];
}

export interface ComplianceMatrix {
  columns: MatrixColumn[];
  rows: MatrixRow[];
}

function columnOf(results: RunResults): Omit<MatrixColumn, "versions" | "sources"> {
  const [hs1, hs2] = results.target.homeservers;
  const first = hs1?.implementation ?? results.target.implementation;
  const second = hs2 && hs2.implementation !== first ? hs2.implementation : null;
  const database = results.target.database;
  const pair = second ? `${first}+${second}` : first;
  return {
    key: `${pair}/${database ?? "existing"}`,
    label: `${second ? `${first} ↔ ${second}` : first} · ${database ?? "existing server"}`,
    hs1: first,
    hs2: second,
    database,
  };
}

function slug(text: string): string {
  return text.replace(/[^A-Za-z0-9]+/g, "-").replace(/^-|-$/g, "").toLowerCase();
}

function cellOf(tests: TestRecord[], anchor: string): MatrixCell {
  const failures: MatrixFailure[] = tests
    .filter((t): t is TestRecord & { verdict: MatrixFailure["verdict"] } => t.verdict === "expected-failure" || t.verdict === "unexpected-failure")
    .map((t) => ({ id: t.id, verdict: t.verdict, reason: t.expectation?.reason ?? null, message: (t.message ?? "").split("\n")[0] ?? "" }));
  return {
    passed: tests.filter((t) => t.status === "passed").length,
    expectedFailures: failures.filter((f) => f.verdict === "expected-failure").length,
    unexpectedFailures: failures.filter((f) => f.verdict === "unexpected-failure").length,
    skipped: tests.filter((t) => t.status === "skipped").length,
    anchor: failures.length > 0 ? anchor : null,
    failures,
  };
}

const suiteOf = (test: TestRecord) => test.file.replace(/\.test\.ts$/, "");
const areaOf = (suite: string) => suite.split("/")[0] ?? suite;

/**
 * Builds the matrix from several runs' records. Runs of one deployment (the shards of a run) share
 * a column; two runs of one deployment that ran the same test are refused, as the counts would
 * mean nothing.
 */
export function buildMatrix(runs: { source: string; results: RunResults }[]): ComplianceMatrix {
  const columns: MatrixColumn[] = [];
  const testsByColumn: TestRecord[][] = [];
  const seenBy: Map<string, string>[] = [];
  for (const { source, results } of runs) {
    const shape = columnOf(results);
    let index = columns.findIndex((c) => c.key === shape.key);
    if (index < 0) {
      index = columns.push({ ...shape, versions: [], sources: [] }) - 1;
      testsByColumn.push([]);
      seenBy.push(new Map());
    }
    const column = columns[index]!;
    column.sources.push(source);
    for (const hs of results.target.homeservers) {
      const version = `${hs.name} ${hs.implementation} ${hs.version ?? "(version unknown)"}`;
      if (!column.versions.includes(version)) column.versions.push(version);
    }
    for (const test of results.tests) {
      const other = seenBy[index]!.get(test.id);
      if (other) throw new Error(`${source} and ${other} both ran ${test.id} on ${column.label}: give one run per deployment, or merge its shards with \`gauntlet merge\` first`);
      seenBy[index]!.set(test.id, source);
      testsByColumn[index]!.push(test);
    }
  }
  const suites = [...new Set(testsByColumn.flat().map(suiteOf))].sort();
  const areas = [...new Set(suites.map(areaOf))];
  const rows: MatrixRow[] = [];
  const cellsFor = (label: string, matches: (test: TestRecord) => boolean): (MatrixCell | null)[] =>
    columns.map((column, i) => {
      const tests = testsByColumn[i]!.filter(matches);
      return tests.length === 0 ? null : cellOf(tests, `failures-${slug(column.key)}-${slug(label)}`);
    });
  for (const area of areas) {
    rows.push({ kind: "area", area, label: area, cells: cellsFor(`${area}-all`, (t) => areaOf(suiteOf(t)) === area) });
    for (const suite of suites.filter((s) => areaOf(s) === area)) rows.push({ kind: "suite", area, label: suite, cells: cellsFor(suite, (t) => suiteOf(t) === suite) });
  }
  return { columns, rows };
}
