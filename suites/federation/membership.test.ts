import { endpoints } from "../../src/client/endpoints.ts";
import { randomBytes } from "node:crypto";
import { expectMatrixError } from "../../src/client/matchers.ts";
import { membershipOf, timelineHas } from "../../src/client/sync.ts";
import { federationEndpoints as fed } from "../../src/federation/endpoints.ts";
import type { FederationPeer } from "../../src/federation/peer.ts";
import type { EventTemplate } from "../../src/federation/schemas.ts";
import { computeEventId, computeReferenceHash, roomVersion, type JsonObject, type JsonValue, type Pdu } from "../../src/protocol/index.ts";
import { covers, describe, expect, test } from "./peer-fixture.ts";

/** Completes and signs a membership template (make_join, make_leave, make_knock) as the peer, after an optional change. */
function signTemplate(peer: FederationPeer, template: { room_version?: string | undefined; event: EventTemplate }, change: (event: JsonObject) => JsonObject = (e) => e) {
  const version = template.room_version ?? "1";
  const event = peer.sign(change({ ...template.event, origin_server_ts: Date.now() }), version);
  return { version, event, eventId: computeEventId(event, version) };
}

describe("leaving rooms over federation", () => {
  test(
    "a remote user leaves with make_leave and send_leave, and local members see the leave",
    covers([fed.makeLeave, fed.sendLeave], "server-server-api/#leaving-rooms-rejecting-invites"),
    async ({ alice, hs, peer }) => {
      const roomId = await alice.mustCreateRoom({ preset: "public_chat" });
      await peer.joinRemoteRoom(hs.serverName, roomId, "visitor");
      const visitor = peer.userId("visitor");
      const remote = peer.to(hs);
      const template = remote.must(await remote.makeLeave(roomId, visitor));
      // The template must be a leave of the user in this room, which the caller checks before signing.
      expect(template.event).toMatchObject({ room_id: roomId, sender: visitor, state_key: visitor, content: { membership: "leave" } });
      const { event, eventId } = signTemplate(peer, template);
      expect(remote.must(await remote.sendLeave(roomId, eventId, event))).toEqual({});
      await alice.syncUntil(timelineHas(roomId, membershipOf(visitor, "leave")));
    },
  );

  test(
    "make_leave for a user of another server is 403 M_FORBIDDEN",
    covers([fed.makeLeave], "server-server-api/#get_matrixfederationv1make_leaveroomiduserid"),
    async ({ alice, bob, hs, peer }) => {
      const roomId = await alice.mustCreateRoom({ preset: "public_chat" });
      await bob.mustJoinRoom(roomId);
      // The origin may only leave on behalf of its own users.
      expectMatrixError(await peer.to(hs).makeLeave(roomId, bob.userId), 403, "M_FORBIDDEN");
    },
  );

  test(
    "send_leave of an event whose membership is not leave is 400",
    covers([fed.sendLeave], "server-server-api/#put_matrixfederationv2send_leaveroomideventid"),
    async ({ alice, hs, peer }) => {
      const roomId = await alice.mustCreateRoom({ preset: "public_chat" });
      await peer.joinRemoteRoom(hs.serverName, roomId, "visitor");
      const remote = peer.to(hs);
      const template = remote.must(await remote.makeLeave(roomId, peer.userId("visitor")));
      const { event, eventId } = signTemplate(peer, template, (e) => ({ ...e, content: { membership: "join" } }));
      // "Servers SHOULD return M_INVALID_PARAM if ... the membership field inside the event content is not leave."
      expectMatrixError(await remote.sendLeave(roomId, eventId, event), 400);
    },
  );
});

describe("knocking over federation", () => {
  const knockRoom = { preset: "private_chat" as const, initial_state: [{ type: "m.room.join_rules", state_key: "", content: { join_rule: "knock" } }] };

  test(
    "a remote user knocks with make_knock and send_knock, gets the room's create event, and local members see the knock",
    covers([fed.makeKnock, fed.sendKnock], "server-server-api/#knocking-upon-a-room"),
    async ({ alice, hs, peer }) => {
      const roomId = await alice.mustCreateRoom({ ...knockRoom, name: "knock here" });
      const knocker = peer.userId("knocker");
      const remote = peer.to(hs);
      const template = remote.must(await remote.makeKnock(roomId, knocker));
      expect(template.event).toMatchObject({ room_id: roomId, sender: knocker, state_key: knocker, content: { membership: "knock" } });
      const { event, eventId } = signTemplate(peer, template);
      const { knock_room_state: state } = remote.must(await remote.sendKnock(roomId, eventId, event));
      // knock_room_state "MUST contain the m.room.create event for the room" (since v1.16).
      expect(state.map((e) => e.type)).toContain("m.room.create");
      await alice.syncUntil(timelineHas(roomId, membershipOf(knocker, "knock")));
    },
  );

  test(
    "make_knock on a room whose join rule is not knock is 403 M_FORBIDDEN",
    covers([fed.makeKnock], "server-server-api/#get_matrixfederationv1make_knockroomiduserid"),
    async ({ alice, hs, peer }) => {
      const roomId = await alice.mustCreateRoom({ preset: "private_chat" });
      expectMatrixError(await peer.to(hs).makeKnock(roomId, peer.userId("knocker")), 403, "M_FORBIDDEN");
    },
  );

  test(
    "make_knock offering no version of the room is 400 M_INCOMPATIBLE_ROOM_VERSION with the room's version",
    covers([fed.makeKnock], "server-server-api/#get_matrixfederationv1make_knockroomiduserid"),
    async ({ alice, hs, peer }) => {
      const roomId = await alice.mustCreateRoom(knockRoom);
      // Room versions 1-6 have no knocking, so no room that allows knocks has one of them.
      const response = await peer.to(hs).makeKnock(roomId, peer.userId("knocker"), ["1", "2"]);
      expectMatrixError(response, 400, "M_INCOMPATIBLE_ROOM_VERSION");
      expect(typeof (response.exchange.responseBody as { room_version?: unknown }).room_version).toBe("string");
    },
  );

  test(
    "send_knock of an event whose membership is not knock is 400",
    covers([fed.sendKnock], "server-server-api/#put_matrixfederationv1send_knockroomideventid"),
    async ({ alice, hs, peer }) => {
      const roomId = await alice.mustCreateRoom(knockRoom);
      const remote = peer.to(hs);
      const template = remote.must(await remote.makeKnock(roomId, peer.userId("knocker")));
      const { event, eventId } = signTemplate(peer, template, (e) => ({ ...e, content: { membership: "join" } }));
      // "Servers SHOULD return M_INVALID_PARAM if ... the membership field inside the event content is not knock."
      expectMatrixError(await remote.sendKnock(roomId, eventId, event), 400);
    },
  );
});

describe("invites over federation", () => {
  test(
    "a v1 invite into a room of version 1 comes back countersigned by the invitee's server, as [200, {event}]",
    covers([fed.inviteV1], "server-server-api/#put_matrixfederationv1inviteroomideventid"),
    async ({ alice, hs, peer }) => {
      // Room version 1 events carry their own IDs and reference others as [id, hashes] pairs.
      const v1 = roomVersion("1");
      const local = randomBytes(6).toString("hex");
      const roomId = `!v1-${local}:${peer.serverName}`;
      const creator = peer.userId("creator");
      const reference = (pdu: Pdu): JsonValue => [computeEventId(pdu, v1), { sha256: computeReferenceHash(pdu, v1) }];
      const base = (fields: JsonObject): JsonObject => ({ room_id: roomId, origin: peer.serverName, origin_server_ts: Date.now(), ...fields });
      const create = peer.sign(base({ event_id: `$create-${local}:${peer.serverName}`, type: "m.room.create", state_key: "", sender: creator, content: { creator }, depth: 1, prev_events: [], auth_events: [] }), v1);
      const join = peer.sign(
        base({ event_id: `$join-${local}:${peer.serverName}`, type: "m.room.member", state_key: creator, sender: creator, content: { membership: "join" }, depth: 2, prev_events: [reference(create)], auth_events: [reference(create)] }),
        v1,
      );
      const inviteId = `$invite-${local}:${peer.serverName}`;
      const invite = peer.sign(
        base({
          event_id: inviteId,
          type: "m.room.member",
          state_key: alice.userId,
          sender: creator,
          content: { membership: "invite" },
          depth: 3,
          prev_events: [reference(join)],
          auth_events: [reference(create), reference(join)],
        }),
        v1,
      );
      const remote = peer.to(hs);
      const [, { event: signed }] = remote.must(await remote.inviteV1(roomId, inviteId, invite));
      expect(signed["event_id"]).toBe(inviteId);
      expect(signed.content).toMatchObject({ membership: "invite" });
      // The invitee's server adds its signature; the origin's stays valid.
      expect(Object.keys(signed["signatures"] as JsonObject)).toEqual(expect.arrayContaining([peer.serverName, hs.serverName]));
      expect(await peer.verifyPdu(signed, v1)).toBeUndefined();
    },
  );

  test(
    "a v2 invite into a room of a version the homeserver does not support is 400 M_INCOMPATIBLE_ROOM_VERSION",
    covers([fed.invite], "server-server-api/#put_matrixfederationv2inviteroomideventid"),
    async ({ alice, hs, peer }) => {
      const room = peer.createRoom({ version: "11" });
      const invite = peer.sign(room.prototype({ type: "m.room.member", sender: peer.userId("creator"), stateKey: alice.userId, content: { membership: "invite" } }), room.version);
      const response = await peer.to(hs).invite(room.roomId, computeEventId(invite, room.version), {
        room_version: "org.example.gauntlet.unsupported",
        event: invite,
        invite_room_state: [room.stateEvent("m.room.create")!.pdu],
      });
      expectMatrixError(response, 400, "M_INCOMPATIBLE_ROOM_VERSION");
    },
  );

  test(
    "a v2 invite whose membership is not invite is 400",
    covers([fed.invite], "server-server-api/#put_matrixfederationv2inviteroomideventid"),
    async ({ alice, hs, peer }) => {
      const room = peer.createRoom({ version: "11" });
      // A server must not countersign a non-invite: "SHOULD return M_INVALID_PARAM if ... membership ... is not invite".
      const notInvite = peer.sign(room.prototype({ type: "m.room.member", sender: peer.userId("creator"), stateKey: alice.userId, content: { membership: "join" } }), room.version);
      const response = await peer.to(hs).invite(room.roomId, computeEventId(notInvite, room.version), {
        room_version: room.version.id,
        event: notInvite,
        invite_room_state: [room.stateEvent("m.room.create")!.pdu],
      });
      expectMatrixError(response, 400);
    },
  );
});

describe("refused joins and transactions", () => {
  test(
    "send_join of an event whose membership is not join is 400",
    covers([fed.makeJoin, fed.sendJoin], "server-server-api/#put_matrixfederationv2send_joinroomideventid"),
    async ({ alice, hs, peer }) => {
      const roomId = await alice.mustCreateRoom({ preset: "public_chat" });
      const remote = peer.to(hs);
      const template = remote.must(await remote.makeJoin(roomId, peer.userId("joiner")));
      const { event, eventId } = signTemplate(peer, template, (e) => ({ ...e, content: { membership: "leave" } }));
      // "Servers SHOULD return M_INVALID_PARAM if ... the membership field inside the event content is not join."
      expectMatrixError(await remote.sendJoin(roomId, eventId, event), 400);
    },
  );

  test(
    "a transaction whose X-Matrix authorization names another destination is 401",
    covers([fed.sendTransaction], "server-server-api/#request-authentication"),
    async ({ hs, peer }) => {
      // "If this property is included, but the value does not match the receiving server's name, the receiving server must deny the request with ... 401."
      const response = await peer.to(hs).sendTransaction(`gauntlet-${randomBytes(6).toString("hex")}`, { origin: peer.serverName, pdus: [] }, { destination: "elsewhere.invalid" });
      // The spec names the status, not an errcode.
      expectMatrixError(response, 401);
    },
  );

  test(
    "a request without an X-Matrix authorization is 401",
    covers([fed.queryProfile], "server-server-api/#request-authentication"),
    async ({ alice, hs, peer }) => {
      // "Every HTTP request made by a homeserver is authenticated using public key digital signatures."
      const response = await peer.to(hs).call(fed.queryProfile, { query: { user_id: alice.userId }, auth: "none" });
      expect(response.status, response.text).toBe(401);
    },
  );

  test(
    "a request signed with a key the origin did not publish is 401",
    covers([fed.queryProfile], "server-server-api/#request-authentication"),
    async ({ alice, hs, peer }) => {
      // The peer's key ID, signed with another key: the signature does not verify against the published key.
      const response = await peer.to(hs).call(fed.queryProfile, { query: { user_id: alice.userId }, auth: { seed: randomBytes(32) } });
      expect(response.status, response.text).toBe(401);
    },
  );

  test(
    "a knock is refused to a user the room has banned, 403 M_FORBIDDEN",
    covers([fed.makeKnock], "server-server-api/#get_matrixfederationv1make_knockroomiduserid"),
    async ({ alice, hs, peer }) => {
      const roomId = await alice.mustCreateRoom({ preset: "private_chat", initial_state: [{ type: "m.room.join_rules", state_key: "", content: { join_rule: "knock" } }] });
      const knocker = peer.userId("banned");
      alice.must(await alice.call(endpoints.ban, { path: { roomId }, body: { user_id: knocker, reason: "no knocking" } }));
      expectMatrixError(await peer.to(hs).makeKnock(roomId, knocker), 403, "M_FORBIDDEN");
    },
  );
});
