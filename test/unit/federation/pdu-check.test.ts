import { randomBytes } from "node:crypto";
import { describe, expect, test } from "vitest";
import { checkPdu, describePduViolations, type PduCheckContext } from "../../../src/federation/pdu-check.ts";
import { PeerRoom } from "../../../src/federation/room.ts";
import { computeContentHash, redactEvent, signEvent, signingKeyFromSeed, type JsonObject, type Pdu } from "../../../src/protocol/index.ts";

// A room built by one server, and one more event of its, checked as the peer checks what a homeserver sends.
const server = "hs.example";
const keyId = "ed25519:test";
const key = signingKeyFromSeed(randomBytes(32));
const sign = (event: JsonObject, version: PeerRoom["version"]) => signEvent(event, version, server, keyId, key) as Pdu;
const alice = `@alice:${server}`;

function setup() {
  const room = PeerRoom.create({ version: "11", creator: alice, serverName: server, sign });
  const prototype = room.prototype({ type: "m.room.message", sender: alice, content: { msgtype: "m.text", body: "hello" } });
  const context = (): PduCheckContext => ({
    version: room.version,
    keys: { [server]: { [keyId]: key.publicKey } },
    where: "a crafted transaction",
    stateBefore: new Map(room.state),
    knows: (id) => room.event(id) !== undefined,
  });
  return { room, prototype, context };
}

const rules = (pdu: Pdu, context: PduCheckContext) => checkPdu(pdu, context).map((v) => v.rule);

describe("checking a PDU a homeserver sent", () => {
  test("a well-formed event breaks no rule", () => {
    const { room, prototype, context } = setup();
    expect(checkPdu(sign(prototype, room.version), context())).toEqual([]);
  });

  test("an event signed with another key breaks the signature rule", () => {
    const { room, prototype, context } = setup();
    const forged = signEvent(prototype, room.version, server, keyId, signingKeyFromSeed(randomBytes(32))) as Pdu;
    expect(rules(forged, context())).toEqual(["signature"]);
  });

  test("an event whose content changed after hashing breaks the content hash rule, and the signature rule", () => {
    const { room, prototype, context } = setup();
    const signed = sign(prototype, room.version);
    const changed = { ...signed, content: { msgtype: "m.text", body: "changed" } } as Pdu;
    // The body is outside the redacted form, so only the hash covers it.
    expect(rules(changed, context())).toEqual(["content hash"]);
    const renamed = { ...signed, type: "m.room.other" } as Pdu;
    expect(rules(renamed, context())).toEqual(["signature", "content hash"]);
  });

  test("an event in its redacted form keeps a valid signature and may miss its content hash", () => {
    const { room, prototype, context } = setup();
    const redacted = redactEvent(sign(prototype, room.version), room.version) as Pdu;
    expect(redacted["hashes"]).toEqual({ sha256: computeContentHash(sign(prototype, room.version)) });
    expect(checkPdu(redacted, context())).toEqual([]);
  });

  test("an event announced under another ID breaks the event ID rule", () => {
    const { room, prototype, context } = setup();
    const found = checkPdu(sign(prototype, room.version), { ...context(), expectedEventId: "$notTheReferenceHash" });
    expect(found.map((v) => v.rule)).toEqual(["event ID"]);
    expect(found[0]!.detail).toContain("$notTheReferenceHash");
  });

  test("an event citing other auth_events than the selection from the state before it breaks the auth_events rule", () => {
    const { room, prototype, context } = setup();
    // Without the power levels, and with the join rules, which a message never cites.
    const joinRules = room.stateEvent("m.room.join_rules")!.eventId;
    const powerLevels = room.stateEvent("m.room.power_levels")!.eventId;
    const authEvents = [...(prototype["auth_events"] as string[]).filter((id) => id !== powerLevels), joinRules];
    const found = checkPdu(sign({ ...prototype, auth_events: authEvents }, room.version), context());
    expect(found.map((v) => v.rule)).toEqual(["auth_events"]);
    expect(describePduViolations(found)).toMatch(/a crafted transaction: m\.room\.message \$\S+ breaks the auth_events rule/);
  });

  test("an event whose prev_events the receiver was never given breaks the prev_events rule", () => {
    const { room, prototype, context } = setup();
    const found = checkPdu(sign({ ...prototype, prev_events: ["$neverSent"] }, room.version), context());
    expect(found.map((v) => v.rule)).toEqual(["prev_events"]);
    expect(found[0]!.detail).toContain("$neverSent");
  });
});
