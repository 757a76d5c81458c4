import { describe, expect, test } from "vitest";
import { caseKind, computeCoverage, formatCoverage, parseInventory } from "../../../src/coverage/coverage.ts";

const TSV = [
  "# inventory for tests",
  "api\tmethod\tpath\tgroup\tdeprecated",
  "client-server\tGET\t/_matrix/client/v3/a\talpha\tno",
  "client-server\tPUT\t/_matrix/client/v3/a\talpha\tno",
  "client-server\tGET\t/_matrix/client/v3/old\talpha\tyes",
  "client-server\tGET\t/_matrix/client/v3/events\told_sync\tyes",
  "client-server\tGET\t/_matrix/client/v3/events \tpeeking\tno",
  "server-server\tGET\t/_matrix/federation/v1/version\tversion\tno",
  "",
].join("\n");

describe("parseInventory", () => {
  test("skips comments and the header, and lists an endpoint documented twice once", () => {
    const inventory = parseInventory(TSV);
    expect(inventory.map((e) => `${e.api} ${e.method} ${e.path}`)).toEqual([
      "client-server GET /_matrix/client/v3/a",
      "client-server PUT /_matrix/client/v3/a",
      "client-server GET /_matrix/client/v3/old",
      "client-server GET /_matrix/client/v3/events",
      "server-server GET /_matrix/federation/v1/version",
    ]);
    // Deprecated in one module, live in another: live, under the live module's group.
    expect(inventory.find((e) => e.path === "/_matrix/client/v3/events")).toMatchObject({ deprecated: false, group: "peeking" });
  });

  test("a malformed line names its number", () => {
    expect(() => parseInventory("client-server\tGET\t/x\tgroup\tmaybe\n")).toThrow(/line 1/);
  });

  test("parses the project's own inventory", async () => {
    const { readFileSync } = await import("node:fs");
    const inventory = parseInventory(readFileSync(new URL("../../../fixtures/spec-endpoints.tsv", import.meta.url), "utf8"));
    expect(inventory.filter((e) => e.api === "client-server" && !e.deprecated).length).toBeGreaterThan(150);
    expect(inventory.some((e) => e.api === "server-server")).toBe(true);
  });
});

describe("caseKind", () => {
  test.each([
    ["client/a::profile > an unknown filter ID is M_NOT_FOUND", "error"],
    ["client/a::media > an unknown user's profile is 404", "error"],
    ["client/a::x > without auth the server answers 401 with the flows", "error"],
    ["client/a::x > a sent message can be fetched by its event ID", "success"],
    ["client/a::x > room version 12 ids", "success"],
    ["client/a::x > spec v1.404 section", "success"],
    ["client/a::x > 1500 ms long-poll", "success"],
  ] as const)("%s is a %s case", (id, kind) => {
    expect(caseKind(id)).toBe(kind);
  });

  test("only the test's own name counts, not the file part of the id", () => {
    expect(caseKind("client/M_FORBIDDEN-suite::sends a message")).toBe("success");
  });
});

describe("computeCoverage", () => {
  const inventory = parseInventory(TSV);

  test("counts covered, complete and deprecated endpoints per API and group", () => {
    const report = computeCoverage(inventory, [
      { id: "client/a::reads a", endpoints: ["GET /_matrix/client/v3/a"] },
      { id: "client/a::reading a without a token is M_MISSING_TOKEN", endpoints: ["GET /_matrix/client/v3/a", "PUT /_matrix/client/v3/a"] },
      { id: "client/a::reads old", endpoints: ["GET /_matrix/client/v3/old"] },
    ]);
    const clientServer = report.apis.find((a) => a.api === "client-server");
    expect(clientServer).toEqual({ api: "client-server", live: 3, liveCovered: 2, liveComplete: 1, coveredPercent: 66.7, completePercent: 33.3, deprecated: 1, deprecatedCovered: 1 });
    expect(report.groups.find((g) => g.group === "alpha")).toEqual({ api: "client-server", group: "alpha", total: 3, covered: 3, complete: 1, deprecated: 1 });
    expect(report.uncovered).toEqual(["GET /_matrix/client/v3/events  (client-server, peeking)", "GET /_matrix/federation/v1/version  (server-server, version)"]);
    expect(report.incomplete).toEqual([{ endpoint: "PUT /_matrix/client/v3/a", missing: "success" }]);
  });

  test("an endpoint a test declares that the inventory lacks is reported, not counted", () => {
    const report = computeCoverage(inventory, [{ id: "client/a::typo", endpoints: ["GET /_matrix/client/v3/aa"] }]);
    expect(report.unknownDeclared).toEqual([{ endpoint: "GET /_matrix/client/v3/aa", tests: ["client/a::typo"] }]);
    expect(report.apis[0]?.liveCovered).toBe(0);
  });

  test("a test that declares an endpoint twice counts once", () => {
    const report = computeCoverage(inventory, [{ id: "client/a::twice", endpoints: ["GET /_matrix/client/v3/a", "GET /_matrix/client/v3/a"] }]);
    expect(report.endpoints.find((e) => e.endpoint === "GET /_matrix/client/v3/a")?.successCases).toBe(1);
  });

  test("the terminal report shows the totals, the groups and what is missing", () => {
    const text = formatCoverage(computeCoverage(inventory, [{ id: "client/a::reads a", endpoints: ["GET /_matrix/client/v3/a"] }]));
    expect(text).toContain("client-server: 1/3 non-deprecated endpoints covered (33.3%), 0/3 with a success and an error case (0%)");
    expect(text).toMatch(/alpha\s+1\/3\s+0\s+\(1 deprecated\)/);
    expect(text).toContain("GET /_matrix/client/v3/a: no error case");
    expect(text).toContain("PUT /_matrix/client/v3/a  (client-server, alpha)");
  });
});
