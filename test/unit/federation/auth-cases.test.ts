import { describe, expect, test } from "vitest";
import { buildAuthRuleCases } from "../../../src/federation/auth-case-builder.ts";
import { AUTH_RULE_CASES } from "../../../src/federation/auth-cases.ts";
import { authRuleNumbers } from "../../../src/federation/auth-rule-numbers.ts";
import { PeerRoom } from "../../../src/federation/room.ts";
import { ROOM_VERSIONS, roomVersion, signEvent, signingKeyFromSeed, type JsonObject, type Pdu } from "../../../src/protocol/index.ts";

const SERVER = "peer.example";
const key = signingKeyFromSeed(new Uint8Array(32).fill(7));
const sign = (event: JsonObject, version: string) => signEvent(event, version, SERVER, "ed25519:a", key) as unknown as Pdu;

function build(version: string) {
  const creator = `@creator:${SERVER}`;
  const room = PeerRoom.create({ version, creator, serverName: SERVER, sign: (event, rules) => sign(event, rules.id) });
  return buildAuthRuleCases({ room, sign: (event) => sign(event, version), creator, serverName: SERVER, foreignUser: "@resident:hs.example", foreignEventId: "$join:hs.example" });
}

describe("authorisation rule cases, judged by the reference auth rules", () => {
  for (const version of ROOM_VERSIONS.keys()) {
    test(`room version ${version}: every violation is rejected for its own rule, every control and setup event accepted`, () => {
      const { builder, cases } = build(version);
      expect(cases.length).toBeGreaterThan(20);
      for (const { ruleCase } of cases) {
        const steps = builder.steps.filter((s) => s.caseId === ruleCase.id);
        const violations = steps.filter((s) => s.role === "violation");
        expect(violations, `${ruleCase.id}: one violation`).toHaveLength(1);
        expect(violations[0]!.reference, `${ruleCase.id} in v${version}`).toMatchObject({ allowed: false, rule: ruleCase.rule });
        const controls = steps.filter((s) => s.role === "control");
        expect(controls.length, `${ruleCase.id}: a control`).toBeGreaterThan(0);
        for (const step of controls) expect(step.reference, `${ruleCase.id} control in v${version}`).toEqual({ allowed: true });
        for (const step of steps.filter((s) => s.role === "setup")) expect(step.reference, `${ruleCase.id} setup in v${version}`).toEqual({ allowed: true });
        for (const step of steps.filter((s) => s.role === "rejected")) expect(step.reference.allowed, `${ruleCase.id} prerequisite in v${version}`).toBe(false);
      }
    });
  }

  test("every case applies to at least one room version, and no two cases share an ID", () => {
    const applied = new Set<string>();
    for (const version of ROOM_VERSIONS.values()) for (const c of AUTH_RULE_CASES) if (c.number(authRuleNumbers(version), version) !== undefined) applied.add(c.id);
    expect([...applied].sort()).toEqual(AUTH_RULE_CASES.map((c) => c.id).sort());
    expect(new Set(AUTH_RULE_CASES.map((c) => c.id)).size).toBe(AUTH_RULE_CASES.length);
  });

  test("violations never become state or prev_events of the peer's room", () => {
    const { builder } = build("10");
    const rejected = new Set(builder.steps.filter((s) => s.role === "violation" || s.role === "rejected").map((s) => s.event.eventId));
    for (const id of builder.room.state.values()) expect(rejected.has(id)).toBe(false);
    for (const stored of builder.room.events.values()) for (const prev of (stored.pdu["prev_events"] as string[])) expect(rejected.has(prev)).toBe(false);
  });
});

describe("authorisation rule numbers per room version", () => {
  test.each([
    // [version, what, number] read from rooms/vN.md "Authorisation rules".
    ["1", "memberJoin", "5.2"],
    ["1", "redaction", 11],
    ["3", "redaction", undefined],
    ["6", "memberJoin", "4.2"],
    ["7", "memberKnock", "4.6"],
    ["8", "memberJoin", "4.3"],
    ["8", "memberKnock", "4.7"],
    ["10", "plUsers", "9.3"],
    ["10", "plUsersAdded", "9.9"],
    ["11", "senderJoined", 5],
    ["12", "authEvents", 3],
    ["12", "memberJoin", "5.3"],
    ["12", "plCreators", "10.4"],
    ["12", "plUsersAdded", "10.10"],
    ["5", "aliases", 4],
    ["6", "aliases", undefined],
  ] as const)("room version %s: %s is rule %s", (version, what, number) => {
    expect(authRuleNumbers(roomVersion(version))[what]).toBe(number);
  });
});
