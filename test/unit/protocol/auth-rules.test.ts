import { describe, expect, it } from "vitest";
import {
  authCheck,
  authEventsFor,
  checkAuthEventsList,
  signingKeyFromSeed,
  signJson,
  stateMapKey,
  type JsonObject,
  type RoomEvent,
} from "../../../src/protocol/index.ts";

// Authorization rules of rooms/v1.md … rooms/v12.md, one table over every room version.

const VERSIONS = ["1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12"] as const;
type Version = (typeof VERSIONS)[number];
const n = (v: Version): number => Number(v);

const ALICE = "@alice:example.com";
const BOB = "@bob:example.com";
const CHARLIE = "@charlie:example.com";
const DAVE = "@dave:example.com";
const MALLORY = "@mallory:evil.org";

let counter = 0;

/** Power level users: the creator is listed at 100 before v12 and never in v12 (rule 10.4). */
function usersOf(version: Version, levels: Record<string, number | string>): JsonObject {
  return version === "12" ? levels : { [ALICE]: 100, ...levels };
}
interface Room {
  version: Version;
  roomId: string;
  create: RoomEvent;
  state: Map<string, RoomEvent>;
  event(fields: Partial<RoomEvent> & Pick<RoomEvent, "type" | "sender">): RoomEvent;
  set(event: RoomEvent): Room;
}

/** Alice created the room (v12: infinite power; before: 100); Bob (50) and Charlie (0) joined; public. */
function room(version: Version, options: { joinRule?: string; createContent?: JsonObject; powerLevels?: JsonObject } = {}): Room {
  const create: RoomEvent = {
    event_id: `$create${++counter}`,
    type: "m.room.create",
    state_key: "",
    sender: ALICE,
    room_id: version === "12" ? undefined : "!room:example.com",
    content: { ...(n(version) < 11 ? { creator: ALICE } : {}), room_version: version, ...options.createContent },
    prev_events: [],
    auth_events: [],
    origin_server_ts: 0,
  };
  const roomId = version === "12" ? `!${create.event_id.slice(1)}` : "!room:example.com";
  const state = new Map<string, RoomEvent>();
  const r: Room = {
    version,
    roomId,
    create,
    state,
        // Every test event carries an entry from its sender's server, as a signed PDU would.
    event: (fields) => ({ event_id: `$e${++counter}:example.com`, room_id: roomId, content: {}, prev_events: ["$prev"], auth_events: [], origin_server_ts: 1, signatures: { "example.com": { "ed25519:1": "signature" } }, ...fields }),
    set(event) {
      state.set(stateMapKey(event.type, event.state_key ?? ""), event);
      return r;
    },
  };
  r.set(create);
  const users = usersOf(version, { [BOB]: 50 });
  r.set(r.event({ type: "m.room.power_levels", state_key: "", sender: ALICE, content: { users, ...options.powerLevels } }));
  r.set(r.event({ type: "m.room.join_rules", state_key: "", sender: ALICE, content: { join_rule: options.joinRule ?? "public" } }));
  for (const user of [ALICE, BOB, CHARLIE]) r.set(member(r, user, "join"));
  return r;
}

function member(r: Room, user: string, membership: string, sender = user, content: JsonObject = {}): RoomEvent {
  return r.event({ type: "m.room.member", state_key: user, sender, content: { membership, ...content } });
}

type Expectation = "allow" | string;
interface Case {
  name: string;
  check: (v: Version) => { event: RoomEvent; room: Room };
  expect: (v: Version) => Expectation;
}

const cases: Case[] = [
  { name: "joining a public room", check: (v) => { const r = room(v); return { room: r, event: member(r, DAVE, "join") }; }, expect: () => "allow" },
  { name: "joining an invite-only room uninvited", check: (v) => { const r = room(v, { joinRule: "invite" }); return { room: r, event: member(r, DAVE, "join") }; }, expect: () => "member.join.invite_only" },
  { name: "joining an invite-only room when invited", check: (v) => { const r = room(v, { joinRule: "invite" }).set(member(room(v), DAVE, "invite", ALICE)); return { room: r, event: member(r, DAVE, "join") }; }, expect: () => "allow" },
  { name: "joining while banned", check: (v) => { const r = room(v); r.set(member(r, DAVE, "ban", ALICE)); return { room: r, event: member(r, DAVE, "join") }; }, expect: () => "member.join.banned" },
  { name: "joining on someone else's behalf", check: (v) => { const r = room(v); return { room: r, event: member(r, DAVE, "join", BOB) }; }, expect: () => "member.join.sender" },
  { name: "the creator's first join right after the create event", check: (v) => { const r = room(v, { joinRule: "invite" }); r.state.delete(stateMapKey("m.room.member", ALICE)); return { room: r, event: { ...member(r, ALICE, "join"), prev_events: [r.create.event_id] } }; }, expect: () => "allow" },
  { name: "knocking on a knock room", check: (v) => { const r = room(v, { joinRule: "knock" }); return { room: r, event: member(r, DAVE, "knock") }; }, expect: (v) => (n(v) >= 7 ? "allow" : "member.unknown") },
  { name: "joining a knock room uninvited", check: (v) => { const r = room(v, { joinRule: "knock" }); return { room: r, event: member(r, DAVE, "join") }; }, expect: (v) => (n(v) >= 7 ? "member.join.invite_only" : "member.join.join_rule") },
  { name: "knocking on a public room", check: (v) => { const r = room(v); return { room: r, event: member(r, DAVE, "knock") }; }, expect: (v) => (n(v) >= 7 ? "member.knock.join_rule" : "member.unknown") },
  { name: "knocking while invited", check: (v) => { const r = room(v, { joinRule: "knock" }); r.set(member(r, DAVE, "invite", ALICE)); return { room: r, event: member(r, DAVE, "knock") }; }, expect: (v) => (n(v) >= 7 ? "member.knock.membership" : "member.unknown") },
  { name: "withdrawing a knock", check: (v) => { const r = room(v, { joinRule: "knock" }); r.set(member(r, DAVE, "knock")); return { room: r, event: member(r, DAVE, "leave") }; }, expect: (v) => (n(v) >= 7 ? "allow" : "member.leave.self") },
  { name: "a restricted join authorised by a joined user who can invite", check: (v) => { const r = room(v, { joinRule: "restricted" }); return { room: r, event: member(r, DAVE, "join", DAVE, { join_authorised_via_users_server: BOB }) }; }, expect: (v) => (n(v) >= 8 ? "allow" : "member.join.join_rule") },
  { name: "a restricted join authorised by a user below the invite level", check: (v) => { const r = room(v, { joinRule: "restricted", powerLevels: { invite: 60 } }); return { room: r, event: member(r, DAVE, "join", DAVE, { join_authorised_via_users_server: BOB }) }; }, expect: (v) => (n(v) >= 8 ? "member.join.restricted" : "member.join.join_rule") },
  { name: "a restricted join authorised by a user who is not joined", check: (v) => { const r = room(v, { joinRule: "restricted" }); return { room: r, event: member(r, DAVE, "join", DAVE, { join_authorised_via_users_server: "@eve:example.com" }) }; }, expect: (v) => (n(v) >= 8 ? "member.join.restricted" : "member.join.join_rule") },
  { name: "a restricted join with no authoriser", check: (v) => { const r = room(v, { joinRule: "restricted" }); return { room: r, event: member(r, DAVE, "join") }; }, expect: (v) => (n(v) >= 8 ? "member.join.restricted" : "member.join.join_rule") },
  { name: "a knock_restricted join with an authoriser", check: (v) => { const r = room(v, { joinRule: "knock_restricted" }); return { room: r, event: member(r, DAVE, "join", DAVE, { join_authorised_via_users_server: BOB }) }; }, expect: (v) => (n(v) >= 10 ? "allow" : "member.join.join_rule") },
  { name: "knocking on a knock_restricted room", check: (v) => { const r = room(v, { joinRule: "knock_restricted" }); return { room: r, event: member(r, DAVE, "knock") }; }, expect: (v) => (n(v) >= 10 ? "allow" : n(v) >= 7 ? "member.knock.join_rule" : "member.unknown") },
  { name: "inviting at the invite level", check: (v) => { const r = room(v); return { room: r, event: member(r, DAVE, "invite", CHARLIE) }; }, expect: () => "allow" },
  { name: "inviting a banned user", check: (v) => { const r = room(v); r.set(member(r, DAVE, "ban", ALICE)); return { room: r, event: member(r, DAVE, "invite", BOB) }; }, expect: () => "member.invite.target" },
  { name: "inviting when not joined", check: (v) => { const r = room(v); return { room: r, event: member(r, DAVE, "invite", "@eve:example.com") }; }, expect: () => "member.invite.sender" },
  { name: "kicking a less powerful user", check: (v) => { const r = room(v); return { room: r, event: member(r, CHARLIE, "leave", BOB) }; }, expect: () => "allow" },
  { name: "kicking the creator", check: (v) => { const r = room(v, { powerLevels: { users: usersOf(v, { [BOB]: 100 }) } }); return { room: r, event: member(r, ALICE, "leave", BOB) }; }, expect: () => "member.leave.kick" },
  { name: "unbanning below the ban level", check: (v) => { const r = room(v, { powerLevels: { ban: 60 } }); r.set(member(r, DAVE, "ban", ALICE)); return { room: r, event: member(r, DAVE, "leave", BOB) }; }, expect: () => "member.leave.unban" },
  { name: "banning a less powerful user", check: (v) => { const r = room(v); return { room: r, event: member(r, CHARLIE, "ban", BOB) }; }, expect: () => "allow" },
  { name: "banning an equally powerful user", check: (v) => { const r = room(v); return { room: r, event: member(r, BOB, "ban", BOB) }; }, expect: () => "member.ban.power" },
  { name: "an unknown membership", check: (v) => { const r = room(v); return { room: r, event: member(r, BOB, "dance") }; }, expect: () => "member.unknown" },
  { name: "a message from a non-member", check: (v) => { const r = room(v); return { room: r, event: r.event({ type: "m.room.message", sender: DAVE }) }; }, expect: () => "sender.not_joined" },
  { name: "a topic below state_default", check: (v) => { const r = room(v); return { room: r, event: r.event({ type: "m.room.topic", state_key: "", sender: CHARLIE }) }; }, expect: () => "event.power" },
  { name: "state keyed by another user", check: (v) => { const r = room(v); return { room: r, event: r.event({ type: "m.custom", state_key: CHARLIE, sender: BOB }) }; }, expect: () => "state_key.user" },
  { name: "a server outside an m.federate=false room", check: (v) => { const r = room(v, { createContent: { "m.federate": false } }); r.set(member(r, MALLORY, "join")); return { room: r, event: r.event({ type: "m.room.message", sender: MALLORY }) }; }, expect: () => "federate" },
  { name: "aliases from the sender's own server, not joined", check: (v) => { const r = room(v); return { room: r, event: r.event({ type: "m.room.aliases", state_key: "evil.org", sender: MALLORY }) }; }, expect: (v) => (n(v) <= 5 ? "allow" : "sender.not_joined") },
  { name: "aliases for another server", check: (v) => { const r = room(v); return { room: r, event: r.event({ type: "m.room.aliases", state_key: "example.com", sender: MALLORY }) }; }, expect: (v) => (n(v) <= 5 ? "aliases.domain" : "sender.not_joined") },
  { name: "redacting another server's event below the redact level", check: (v) => { const r = room(v); return { room: r, event: r.event({ type: "m.room.redaction", sender: CHARLIE, redacts: "$x:evil.org" }) }; }, expect: (v) => (n(v) <= 2 ? "redaction.power" : "allow") },
  { name: "redacting an event from one's own server", check: (v) => { const r = room(v); return { room: r, event: r.event({ type: "m.room.redaction", sender: CHARLIE, redacts: "$x:example.com" }) }; }, expect: () => "allow" },
  { name: "power levels with a numeric string", check: (v) => { const r = room(v); return { room: r, event: r.event({ type: "m.room.power_levels", state_key: "", sender: BOB, content: { ...r.state.get(stateMapKey("m.room.power_levels", ""))!.content, kick: "40" } }) }; }, expect: (v) => (n(v) >= 10 ? "power_levels.integer" : "allow") },
  { name: "power levels with a string user level", check: (v) => { const r = room(v); const users = usersOf(v, { [BOB]: "50" }); return { room: r, event: r.event({ type: "m.room.power_levels", state_key: "", sender: BOB, content: { users } }) }; }, expect: (v) => (n(v) >= 10 ? "power_levels.users" : "allow") },
  { name: "power levels with a non-integer events entry", check: (v) => { const r = room(v); const users = usersOf(v, { [BOB]: 50 }); return { room: r, event: r.event({ type: "m.room.power_levels", state_key: "", sender: BOB, content: { users, events: { "m.room.name": 1.5 } } }) }; }, expect: (v) => (n(v) >= 10 ? "power_levels.integer" : "allow") },
  { name: "power levels listing the creator", check: (v) => { const r = room(v); return { room: r, event: r.event({ type: "m.room.power_levels", state_key: "", sender: ALICE, content: { users: { [ALICE]: 100, [BOB]: 50 } } }) }; }, expect: (v) => (v === "12" ? "power_levels.creator" : "allow") },
  { name: "raising another user above oneself", check: (v) => { const r = room(v); const users = usersOf(v, { [BOB]: 50, [CHARLIE]: 60 }); return { room: r, event: r.event({ type: "m.room.power_levels", state_key: "", sender: BOB, content: { users } }) }; }, expect: () => "power_levels.users_change" },
  { name: "the creator demoting an admin at 100", check: (v) => { const r = room(v, { powerLevels: { users: usersOf(v, { [BOB]: 100 }) } }); const users = usersOf(v, { [BOB]: 0 }); return { room: r, event: r.event({ type: "m.room.power_levels", state_key: "", sender: ALICE, content: { users } }) }; }, expect: (v) => (v === "12" ? "allow" : "power_levels.users_change") },
  { name: "changing a level above one's own", check: (v) => { const r = room(v); const users = usersOf(v, { [BOB]: 50 }); return { room: r, event: r.event({ type: "m.room.power_levels", state_key: "", sender: BOB, content: { users, ban: 70 } }) }; }, expect: () => "power_levels.change" },
  { name: "changing notifications above one's own level", check: (v) => { const r = room(v); const users = usersOf(v, { [BOB]: 50 }); return { room: r, event: r.event({ type: "m.room.power_levels", state_key: "", sender: BOB, content: { users, notifications: { room: 70 } } }) }; }, expect: (v) => (n(v) >= 6 ? "power_levels.change" : "allow") },
  { name: "a third-party invite below the invite level", check: (v) => { const r = room(v, { powerLevels: { invite: 10 } }); return { room: r, event: r.event({ type: "m.room.third_party_invite", state_key: "tok", sender: CHARLIE }) }; }, expect: () => "third_party_invite.power" },
  { name: "an event whose room_id does not name the create event", check: (v) => { const r = room(v); return { room: r, event: { ...r.event({ type: "m.room.message", sender: BOB }), room_id: "!other" } }; }, expect: (v) => (v === "12" ? "room_id.create_event" : "allow") },
];

describe.each(VERSIONS)("room version %s", (version) => {
  it.each(cases)("$name", ({ check, expect: expectation }) => {
    const { event, room: r } = check(version);
    const result = authCheck(event, r.state, version);
    const want = expectation(version);
    if (want === "allow") expect(result).toEqual({ allowed: true });
    else expect(result).toMatchObject({ allowed: false, rule: want });
  });
});

describe("create events", () => {
  const create = (v: Version, fields: Partial<RoomEvent> = {}): RoomEvent => ({
    event_id: "$c",
    type: "m.room.create",
    state_key: "",
    sender: ALICE,
    room_id: v === "12" ? undefined : "!r:example.com",
    content: { creator: ALICE },
    prev_events: [],
    auth_events: [],
    origin_server_ts: 0,
    ...fields,
  });
  it.each(VERSIONS)("v%s", (v) => {
    expect(authCheck(create(v), [], v).allowed).toBe(true);
    expect(authCheck(create(v, { prev_events: ["$x"] }), [], v)).toMatchObject({ rule: "create.prev_events" });
    expect(authCheck(create(v, { content: { creator: ALICE, room_version: "99" } }), [], v)).toMatchObject({ rule: "create.room_version" });
    expect(authCheck(create(v, { content: {} }), [], v)).toEqual(n(v) >= 11 ? { allowed: true } : expect.objectContaining({ rule: "create.creator" }));
    expect(authCheck(create(v, { room_id: "!r:elsewhere.org" }), [], v)).toMatchObject({ rule: "create.room_id" });
    const additional = authCheck(create(v, { content: { additional_creators: ["not a user"] } }), [], v);
    expect(additional).toEqual(v === "12" ? expect.objectContaining({ rule: "create.additional_creators" }) : n(v) >= 11 ? { allowed: true } : expect.objectContaining({ rule: "create.creator" }));
  });

  it("v12 additional creators have infinite power", () => {
    const r = room("12", { createContent: { additional_creators: [CHARLIE] } });
    const demoteBob = r.event({ type: "m.room.power_levels", state_key: "", sender: CHARLIE, content: { users: { [BOB]: 0 } } });
    expect(authCheck(demoteBob, r.state, "12")).toEqual({ allowed: true });
    const listCharlie = r.event({ type: "m.room.power_levels", state_key: "", sender: ALICE, content: { users: { [CHARLIE]: 50 } } });
    expect(authCheck(listCharlie, r.state, "12")).toMatchObject({ rule: "power_levels.creator" });
  });
});

describe("third-party invites", () => {
  const seed = new Uint8Array(32).fill(11);
  const key = signingKeyFromSeed(seed);
  const setup = (v: Version) => {
    const r = room(v);
    r.set(r.event({ type: "m.room.third_party_invite", state_key: "tok", sender: BOB, content: { display_name: "d", public_keys: [{ public_key: key.publicKeyBase64 }] } }));
    return r;
  };
  const invite = (r: Room, signed: JsonObject, sender = BOB) =>
    r.event({ type: "m.room.member", state_key: DAVE, sender, content: { membership: "invite", third_party_invite: { display_name: "d", signed } } });

  it.each(VERSIONS)("v%s: a token signed by the identity server's key is accepted; others are not", (v) => {
    const r = setup(v);
    const signed = signJson({ mxid: DAVE, token: "tok" }, "id.example.com", "ed25519:0", seed);
    expect(authCheck(invite(r, signed), r.state, v)).toEqual({ allowed: true });
    const forged = signJson({ mxid: DAVE, token: "tok" }, "id.example.com", "ed25519:0", new Uint8Array(32).fill(12));
    expect(authCheck(invite(r, forged), r.state, v)).toMatchObject({ rule: "member.invite.third_party.signature" });
    expect(authCheck(invite(r, { ...signed, mxid: CHARLIE }), r.state, v)).toMatchObject({ rule: "member.invite.third_party.mxid" });
    expect(authCheck(invite(r, { ...signed, token: "other" }), r.state, v)).toMatchObject({ rule: "member.invite.third_party.token" });
    expect(authCheck(invite(r, signed, CHARLIE), r.state, v)).toMatchObject({ rule: "member.invite.third_party.sender" });
  });
});

describe("restricted join signatures (rule 5.2)", () => {
  it("rejects an authorised join the authorising server did not sign", () => {
    const r = room("10", { joinRule: "restricted" });
    const join = member(r, DAVE, "join", DAVE, { join_authorised_via_users_server: "@bob:other.org" });
    expect(authCheck(join, r.state, "10")).toMatchObject({ rule: "member.authoriser_signature" });
    expect(authCheck(join, r.state, "10", { isSignedBy: (_e, server) => server === "other.org" })).toMatchObject({ rule: "member.join.restricted" });
  });
});

describe("auth events selection and the auth_events list", () => {
  it("selects create, power levels, sender, target, join rules; no create in v12", () => {
    const r11 = room("11");
    const join = member(r11, DAVE, "join", DAVE, { join_authorised_via_users_server: BOB });
    const ids = (r: Room, keys: string[]) => keys.map((k) => r.state.get(k)?.event_id).filter(Boolean);
    expect(authEventsFor(join, r11.state, "11")).toEqual(
      ids(r11, [stateMapKey("m.room.create", ""), stateMapKey("m.room.power_levels", ""), stateMapKey("m.room.join_rules", ""), stateMapKey("m.room.member", BOB)]),
    );
    const r12 = room("12");
    const message = r12.event({ type: "m.room.message", sender: BOB });
    expect(authEventsFor(message, r12.state, "12")).toEqual(ids(r12, [stateMapKey("m.room.power_levels", ""), stateMapKey("m.room.member", BOB)]));
    expect(authEventsFor(member(r11, DAVE, "join", DAVE, { join_authorised_via_users_server: BOB }), r11.state, "7")).not.toContain(r11.state.get(stateMapKey("m.room.member", BOB))!.event_id);
  });

  it("rejects duplicates, unexpected entries, rejected entries, and a missing or present create event", () => {
    const r = room("11");
    const event = r.event({ type: "m.room.message", sender: BOB });
    const create = r.create;
    const pl = r.state.get(stateMapKey("m.room.power_levels", ""))!;
    const bob = r.state.get(stateMapKey("m.room.member", BOB))!;
    const jr = r.state.get(stateMapKey("m.room.join_rules", ""))!;
    expect(checkAuthEventsList(event, [create, pl, bob], "11")).toEqual({ allowed: true });
    expect(checkAuthEventsList(event, [create, pl, pl], "11")).toMatchObject({ rule: "auth_events.duplicate" });
    expect(checkAuthEventsList(event, [create, pl, bob, jr], "11")).toMatchObject({ rule: "auth_events.selection" });
    expect(checkAuthEventsList(event, [pl, bob], "11")).toMatchObject({ rule: "auth_events.create" });
    expect(checkAuthEventsList(event, [create, pl, bob], "11", (id) => id === pl.event_id)).toMatchObject({ rule: "auth_events.rejected" });
    expect(checkAuthEventsList(event, [create, pl, { ...bob, room_id: "!other:example.com" }], "11")).toMatchObject({ rule: "auth_events.room" });
    const r12 = room("12");
    const event12 = r12.event({ type: "m.room.message", sender: BOB });
    expect(checkAuthEventsList(event12, [r12.create], "12")).toMatchObject({ rule: "auth_events.selection" });
  });
});
