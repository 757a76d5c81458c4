import { describe, expect, test } from "vitest";
import { authRuleNumbers } from "../../../src/federation/auth-rule-numbers.ts";
import { CREATE_CASES, createCasesFor } from "../../../src/federation/create-cases.ts";
import { PeerRoom } from "../../../src/federation/room.ts";
import { authCheck, ROOM_VERSIONS, stateMapKey, signEvent, signingKeyFromSeed, type JsonObject, type Pdu, type RoomEvent } from "../../../src/protocol/index.ts";

const SERVER = "peer.example";
const creator = `@creator:${SERVER}`;
const joiner = "@resident:hs.example";
const key = signingKeyFromSeed(new Uint8Array(32).fill(7));
const sign = (event: JsonObject, version: string) => signEvent(event, version, SERVER, "ed25519:a", key) as unknown as Pdu;

function room(version: string, breakCreate?: (typeof CREATE_CASES)[number]["breakCreate"]): PeerRoom {
  return PeerRoom.create({ version, creator, serverName: SERVER, sign: (event, rules) => sign(event, rules.id), ...(breakCreate ? { breakCreate } : {}) });
}

/** The reference verdicts on the room's create event, and on a join from another server against its state. */
function verdicts(peerRoom: PeerRoom) {
  const create = peerRoom.stateEvent("m.room.create")!;
  const createVerdict = authCheck({ ...(create.pdu as unknown as RoomEvent), event_id: create.eventId }, new Map(), peerRoom.version);
  const join = sign(peerRoom.prototype({ type: "m.room.member", sender: joiner, stateKey: joiner, content: { membership: "join" } }), peerRoom.version.id);
  const joinVerdict = authCheck({ ...(join as unknown as RoomEvent), event_id: "$join:hs.example" }, peerRoom.authState(), peerRoom.version);
  return { createVerdict, joinVerdict };
}

describe("create event cases, judged by the reference auth rules", () => {
  for (const rules of ROOM_VERSIONS.values()) {
    test(`room version ${rules.id}: the control's create and a foreign join to it are allowed`, () => {
      const control = room(rules.id);
      expect(control.checksAppends).toBe(true);
      expect(verdicts(control)).toEqual({ createVerdict: { allowed: true }, joinVerdict: { allowed: true } });
    });
    for (const { createCase, number } of createCasesFor(rules, authRuleNumbers(rules))) {
      test(`room version ${rules.id} rule ${number} (${createCase.id}): ${createCase.violates} is rejected for rule ${createCase.rule}`, () => {
        const broken = room(rules.id, createCase.breakCreate);
        expect(broken.checksAppends).toBe(false);
        const { createVerdict, joinVerdict } = verdicts(broken);
        // m.federate is about the joiner's event; every other case is about the create event itself.
        const verdict = createCase.rule === "federate" ? joinVerdict : createVerdict;
        expect(verdict).toMatchObject({ allowed: false, rule: createCase.rule });
        if (createCase.rule === "federate") expect(createVerdict).toEqual({ allowed: true });
      });
    }
  }

  test("rule 1's sub-rules: creator only before v11, room_id domain only before v12, additional_creators only in v12", () => {
    const ids = (version: string) => createCasesFor(ROOM_VERSIONS.get(version)!, authRuleNumbers(ROOM_VERSIONS.get(version)!)).map((c) => `${c.number} ${c.createCase.id}`);
    expect(ids("10")).toEqual(["1.1 create-prev-events", "1.2 create-room-id-domain", "1.3 create-unknown-room-version", "1.4 create-no-creator", "3 create-no-federate"]);
    expect(ids("11")).toEqual(["1.1 create-prev-events", "1.2 create-room-id-domain", "1.3 create-unknown-room-version", "3 create-no-federate"]);
    expect(ids("12")).toEqual(["1.1 create-prev-events", "1.2 create-room-id-present", "1.3 create-unknown-room-version", "1.4 create-additional-creators", "4 create-no-federate"]);
  });

  test("a room whose create names another server's room ID takes that room ID", () => {
    const broken = room("11", CREATE_CASES.find((c) => c.id === "create-room-id-domain")!.breakCreate);
    expect(broken.roomId).toMatch(/^![^:]+:localhost:1$/);
    expect(broken.stateEvent("m.room.member", creator)!.pdu["room_id"]).toBe(broken.roomId);
  });

  test("a room on a broken create keeps the create in the state after each event, as it checks nothing", () => {
    const broken = room("10", CREATE_CASES.find((c) => c.id === "create-no-creator")!.breakCreate);
    const create = broken.stateEvent("m.room.create")!;
    expect(broken.stateAfter(broken.extremities[0]!)?.get(stateMapKey("m.room.create", ""))).toBe(create.eventId);
  });
});
