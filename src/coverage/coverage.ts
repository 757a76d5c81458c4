import { readFileSync } from "node:fs";

// `gauntlet coverage`: which spec endpoints the suites exercise, against the spec's inventory
// (fixtures/spec-endpoints.tsv), per API and per group, and whether each covered endpoint has
// both a success case and an error case.

export type Api = "client-server" | "server-server";

export interface InventoryEndpoint {
  api: Api;
  method: string;
  path: string;
  /** The spec's API group (the OpenAPI file it comes from), e.g. `profile`. */
  group: string;
  deprecated: boolean;
}

/** What coverage needs of a test: its id (file::describe > name) and declared endpoints. */
export interface CoverageTest {
  id: string;
  endpoints: string[];
  /**
   * The cases a run saw the test assert (asserted coverage); absent, the declared endpoints count,
   * each as a success or an error case by the test's name (declared coverage).
   */
  cases?: { endpoint: string; kind: CaseKind }[];
}

export type CaseKind = "success" | "error";

export interface EndpointCoverage extends InventoryEndpoint {
  endpoint: string;
  tests: string[];
  successCases: number;
  errorCases: number;
}

export interface GroupCoverage {
  api: Api;
  group: string;
  total: number;
  covered: number;
  /** Covered with at least one success case and one error case. */
  complete: number;
  deprecated: number;
}

export interface ApiCoverage {
  api: Api;
  /** Non-deprecated endpoints: the denominator the targets use. */
  live: number;
  liveCovered: number;
  liveComplete: number;
  /** Percentages of `live`, one decimal. */
  coveredPercent: number;
  completePercent: number;
  deprecated: number;
  deprecatedCovered: number;
}

export interface CoverageReport {
  /** declared: from what tests name (`covers`); asserted: from what a run's tests asserted endpoints answered. */
  basis: "declared" | "asserted";
  inventory: string;
  apis: ApiCoverage[];
  groups: GroupCoverage[];
  endpoints: EndpointCoverage[];
  /** Non-deprecated endpoints no test declares. */
  uncovered: string[];
  /** Covered non-deprecated endpoints lacking a success or an error case. */
  incomplete: { endpoint: string; missing: CaseKind }[];
  /** Endpoints tests declare that the inventory does not list (typos, or a newer spec). */
  unknownDeclared: { endpoint: string; tests: string[] }[];
  tests: number;
}

export function endpointKey(method: string, path: string): string {
  return `${method.toUpperCase()} ${path}`;
}

/**
 * Parses the inventory TSV (`api method path group deprecated`, `#` comments, one header line).
 * An endpoint listed twice (the spec documents `GET /events` under two modules) counts once, and is
 * deprecated only if every listing says so.
 */
export function parseInventory(text: string): InventoryEndpoint[] {
  const byKey = new Map<string, InventoryEndpoint>();
  for (const [index, raw] of text.split("\n").entries()) {
    const line = raw.trimEnd();
    if (line === "" || line.startsWith("#")) continue;
    const cells = line.split("\t").map((cell) => cell.trim());
    if (cells[0] === "api") continue;
    const [api, method, path, group, deprecated] = cells;
    if ((api !== "client-server" && api !== "server-server") || !method || !path || !group || (deprecated !== "yes" && deprecated !== "no")) {
      throw new Error(`inventory line ${index + 1}: expected api, method, path, group, deprecated (yes/no) separated by tabs, got ${JSON.stringify(raw)}`);
    }
    const key = `${api} ${endpointKey(method, path)}`;
    const existing = byKey.get(key);
    // The live listing names the group: a reader looks for the endpoint where the spec still documents it.
    if (existing && existing.deprecated && deprecated === "no") Object.assign(existing, { group, deprecated: false });
    else if (existing) continue;
    else byKey.set(key, { api, method: method.toUpperCase(), path, group, deprecated: deprecated === "yes" });
  }
  return [...byKey.values()];
}

export function loadInventory(file: string): InventoryEndpoint[] {
  return parseInventory(readFileSync(file, "utf8"));
}

/**
 * How a test declares an error case: its name states the refusal it expects, as an errcode
 * (`... is M_NOT_FOUND`) or an HTTP error status (`... is 404`, `... answers 401 ...`). Every
 * other test is a success case. The name is what a reader of the results sees, so the
 * declaration cannot drift from what the report shows.
 */
export function caseKind(testId: string): CaseKind {
  const name = testId.includes("::") ? testId.slice(testId.indexOf("::") + 2) : testId;
  return /\bM_[A-Z0-9_]+\b/.test(name) || /(^|[^\w.])[45]\d\d(?![\w.])/.test(name) ? "error" : "success";
}

function percent(part: number, whole: number): number {
  return whole === 0 ? 0 : Math.round((part / whole) * 1000) / 10;
}

/**
 * A passed test's asserted cases, from its record: a 2xx or 3xx it asserted is a success case of
 * that endpoint, a 4xx or 5xx an error case. A failed or skipped test asserts nothing.
 */
export function assertedCases(record: { status: string; asserted?: { endpoint: string; status: number }[] }): { endpoint: string; kind: CaseKind }[] {
  if (record.status !== "passed") return [];
  return (record.asserted ?? []).map((a) => ({ endpoint: a.endpoint, kind: a.status >= 400 ? "error" : "success" }));
}

export function computeCoverage(inventory: InventoryEndpoint[], tests: CoverageTest[], inventoryName = "spec-endpoints.tsv"): CoverageReport {
  const byEndpoint = new Map<string, EndpointCoverage[]>();
  const endpoints: EndpointCoverage[] = inventory.map((entry) => ({ ...entry, endpoint: endpointKey(entry.method, entry.path), tests: [], successCases: 0, errorCases: 0 }));
  for (const entry of endpoints) byEndpoint.set(entry.endpoint, [...(byEndpoint.get(entry.endpoint) ?? []), entry]);
  const unknown = new Map<string, string[]>();
  for (const test of tests) {
    const cases = test.cases ?? test.endpoints.map((endpoint) => ({ endpoint, kind: caseKind(test.id) }));
    const counted = new Set<string>();
    for (const { endpoint, kind } of cases) {
      const declared = endpoint.trim().replace(/\s+/, " ");
      if (counted.has(`${declared} ${kind}`)) continue;
      counted.add(`${declared} ${kind}`);
      const matches = byEndpoint.get(declared);
      if (!matches) {
        if (!unknown.get(declared)?.includes(test.id)) unknown.set(declared, [...(unknown.get(declared) ?? []), test.id]);
        continue;
      }
      for (const entry of matches) {
        if (!entry.tests.includes(test.id)) entry.tests.push(test.id);
        if (kind === "success") entry.successCases += 1;
        else entry.errorCases += 1;
      }
    }
  }

  const groups = new Map<string, GroupCoverage>();
  for (const entry of endpoints) {
    const key = `${entry.api}\t${entry.group}`;
    const group = groups.get(key) ?? { api: entry.api, group: entry.group, total: 0, covered: 0, complete: 0, deprecated: 0 };
    group.total += 1;
    if (entry.deprecated) group.deprecated += 1;
    if (entry.tests.length > 0) group.covered += 1;
    if (entry.successCases > 0 && entry.errorCases > 0) group.complete += 1;
    groups.set(key, group);
  }

  const apis: ApiCoverage[] = (["client-server", "server-server"] as const).map((api) => {
    const all = endpoints.filter((e) => e.api === api);
    const live = all.filter((e) => !e.deprecated);
    const liveCovered = live.filter((e) => e.tests.length > 0).length;
    const liveComplete = live.filter((e) => e.successCases > 0 && e.errorCases > 0).length;
    return {
      api,
      live: live.length,
      liveCovered,
      liveComplete,
      coveredPercent: percent(liveCovered, live.length),
      completePercent: percent(liveComplete, live.length),
      deprecated: all.length - live.length,
      deprecatedCovered: all.filter((e) => e.deprecated && e.tests.length > 0).length,
    };
  });

  const live = endpoints.filter((e) => !e.deprecated);
  return {
    basis: tests.some((t) => t.cases !== undefined) ? "asserted" : "declared",
    inventory: inventoryName,
    apis,
    groups: [...groups.values()].sort((a, b) => a.api.localeCompare(b.api) || a.group.localeCompare(b.group)),
    endpoints,
    uncovered: live.filter((e) => e.tests.length === 0).map((e) => `${e.endpoint}  (${e.api}, ${e.group})`),
    incomplete: live
      .filter((e) => e.tests.length > 0 && (e.successCases === 0 || e.errorCases === 0))
      .map((e) => ({ endpoint: e.endpoint, missing: e.successCases === 0 ? ("success" as const) : ("error" as const) })),
    unknownDeclared: [...unknown.entries()].map(([endpoint, ids]) => ({ endpoint, tests: ids })).sort((a, b) => a.endpoint.localeCompare(b.endpoint)),
    tests: tests.length,
  };
}

/** The report for a terminal: per API, per group, then what is missing. */
export function formatCoverage(report: CoverageReport): string {
  const basis =
    report.basis === "asserted"
      ? "asserted coverage: what the run's passing tests asserted endpoints answered (a 2xx a success case, a 4xx/5xx an error case)"
      : "declared coverage: what tests name in covers(), each a success or an error case by the test's name";
  const lines: string[] = [`Spec endpoint coverage against ${report.inventory} (${report.tests} tests), ${basis}`, ""];
  for (const api of report.apis) {
    lines.push(
      `${api.api}: ${api.liveCovered}/${api.live} non-deprecated endpoints covered (${api.coveredPercent}%), ` +
        `${api.liveComplete}/${api.live} with a success and an error case (${api.completePercent}%); deprecated: ${api.deprecatedCovered}/${api.deprecated} covered`,
    );
  }
  for (const api of report.apis) {
    lines.push("", `${api.api} by group (covered/total, with success+error):`);
    const groups = report.groups.filter((g) => g.api === api.api);
    const width = Math.max(...groups.map((g) => g.group.length), 5);
    for (const g of groups) {
      lines.push(`  ${g.group.padEnd(width)}  ${`${g.covered}/${g.total}`.padStart(5)}  ${`${g.complete}`.padStart(3)}${g.deprecated > 0 ? `  (${g.deprecated} deprecated)` : ""}`);
    }
  }
  lines.push("", `Uncovered non-deprecated endpoints (${report.uncovered.length}):`, ...(report.uncovered.length > 0 ? report.uncovered.map((e) => `  ${e}`) : ["  none"]));
  lines.push("", `Covered endpoints missing a success or an error case (${report.incomplete.length}):`, ...(report.incomplete.length > 0 ? report.incomplete.map((e) => `  ${e.endpoint}: no ${e.missing} case`) : ["  none"]));
  if (report.unknownDeclared.length > 0) {
    lines.push("", `Declared by tests but not in the inventory (${report.unknownDeclared.length}):`, ...report.unknownDeclared.map((u) => `  ${u.endpoint}  (${u.tests[0]}${u.tests.length > 1 ? ` and ${u.tests.length - 1} more` : ""})`));
  }
  return lines.join("\n");
}
