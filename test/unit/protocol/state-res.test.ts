import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { lexicographicalTopologicalSort, resolveState, stateMapKey } from "../../../src/protocol/index.ts";
import { eventName, parseStateResFixture, runStateResFixture, type StateResFixture } from "../../../src/protocol/state-res/fixture.ts";

const load = (name: string): StateResFixture =>
  parseStateResFixture(JSON.parse(readFileSync(fileURLToPath(new URL(`../../../fixtures/state-res/${name}.json`, import.meta.url)), "utf8")), name);

describe("state resolution details", () => {
  it("sorts lexicographically with parents first", () => {
    const graph: Record<string, string[]> = { l: ["o"], m: ["n", "o"], n: ["o"], o: [], p: ["o"] };
    expect(lexicographicalTopologicalSort(Object.keys(graph), (node) => graph[node]!, (a, b) => (a < b ? -1 : a > b ? 1 : 0))).toEqual(["o", "l", "n", "m", "p"]);
    expect(() => lexicographicalTopologicalSort(["a", "b"], (node) => (node === "a" ? ["b"] : ["a"]), () => 0)).toThrow(/cycle/);
  });

  it.each(["msc4297-problem-a", "msc4297-problem-b", "creator-power"])("%s: the v11 and v12 expectations differ, and each version gets its own", (name) => {
    const v11 = load(`${name}-v11`);
    const v12 = load(`${name}-v12`);
    expect(v11.expected.state).not.toEqual(v12.expected.state);
    expect(runStateResFixture(v11).passed).toBe(true);
    expect(runStateResFixture(v12).passed).toBe(true);
  });

  it("MSC4297 problem B: v2.1 adds P2 through the conflicted subgraph; the auth difference never holds the create event", () => {
    const outcome = runStateResFixture(load("msc4297-problem-b-v12"));
    const trace = outcome.trace!;
    expect([...trace.conflictedSubgraph].map(eventName)).toContain("P2");
    expect([...trace.authDifference].map(eventName)).not.toContain("CREATE");
    // JR and Bob's join lie on auth paths between conflicted events, so they join the power ordering.
    expect(trace.powerOrder.map(eventName)).toEqual(["P1", "JR", "P2", "MB", "P3"]);
    expect(trace.mainlineOrder.map(eventName)).toEqual(["ME2", "ME1", "MZ"]);
    const v11 = runStateResFixture(load("msc4297-problem-b-v11")).trace!;
    expect(v11.conflictedSubgraph.size).toBe(0);
    expect(v11.checks.find((c) => eventName(c.eventId) === "P3")?.result).toMatchObject({ allowed: false, rule: "event.power" });
  });

  it("falls back to the event's own auth events for keys missing from the resolved state", () => {
    const trace = runStateResFixture(load("fallback-to-own-auth-events")).trace!;
    const result = (name: string) => trace.checks.find((c) => eventName(c.eventId) === name)?.result;
    expect(trace.powerOrder.map(eventName)).toEqual(["JR", "JRA", "MB", "JRB"]);
    expect(result("MB")).toMatchObject({ allowed: false, rule: "member.join.invite_only" });
    expect(result("JRB")).toEqual({ allowed: true });
  });

  it("ignores events rejected against their auth chain, even as fallback auth events", () => {
    const fixture = load("fallback-to-own-auth-events");
    const sets = fixture.question.kind === "state_sets" ? fixture.question.stateSets : [];
    const resolved = resolveState(sets, fixture.events, "10", { rejected: new Set(["$MB"]), authCheck: { isSignedBy: () => true } });
    // Without Bob's join to fall back on, his join rules event fails and Alice's stands.
    expect(resolved.get(stateMapKey("m.room.join_rules", ""))).toBe("$JRA");
  });

  it("reports which keys differ and why when an expectation is wrong", () => {
    const fixture = load("synapse-ban-vs-pl");
    fixture.expected.state!.set(stateMapKey("m.room.power_levels", ""), "$PB");
    const outcome = runStateResFixture(fixture);
    expect(outcome.passed).toBe(false);
    expect(outcome.differences).toHaveLength(1);
    const [difference] = outcome.differences;
    expect(difference).toMatchObject({ key: '(m.room.power_levels, "")', expected: "PB", actual: "PA" });
    expect(difference!.explanation.join("\n")).toMatch(/PB: power ordering \d+\/\d+, rejected by rule member|PB: power ordering \d+\/\d+, rejected by rule sender.not_joined/);
  });

  it("resolving one state set returns it unchanged", () => {
    const state = new Map([[stateMapKey("m.room.create", ""), "$c"]]);
    expect(resolveState([state], [], "11")).toEqual(state);
  });
});
