import { randomBytes } from "node:crypto";
import { membershipOf, timelineHas } from "../../src/client/sync.ts";
import type { FederationPeer } from "../../src/federation/peer.ts";
import { inviteV1Response, makeKnockResponse, makeLeaveResponse, mustBeError, mustMatch, sendKnockResponse } from "../../src/federation/schemas.ts";
import { computeEventId, computeReferenceHash, roomVersion, type JsonObject, type JsonValue, type Pdu } from "../../src/protocol/index.ts";
import { covers, describe, expect, test } from "./peer-fixture.ts";

const MAKE_LEAVE = "GET /_matrix/federation/v1/make_leave/{roomId}/{userId}";
const SEND_LEAVE = "PUT /_matrix/federation/v2/send_leave/{roomId}/{eventId}";
const MAKE_KNOCK = "GET /_matrix/federation/v1/make_knock/{roomId}/{userId}";
const SEND_KNOCK = "PUT /_matrix/federation/v1/send_knock/{roomId}/{eventId}";
const MAKE_JOIN = "GET /_matrix/federation/v1/make_join/{roomId}/{userId}";
const SEND_JOIN = "PUT /_matrix/federation/v2/send_join/{roomId}/{eventId}";
const INVITE_V1 = "PUT /_matrix/federation/v1/invite/{roomId}/{eventId}";
const INVITE_V2 = "PUT /_matrix/federation/v2/invite/{roomId}/{eventId}";
const SEND = "PUT /_matrix/federation/v1/send/{txnId}";
const FED = "/_matrix/federation";
const ALL_VERSIONS = Array.from({ length: 12 }, (_, i) => `ver=${i + 1}`).join("&");
const q = encodeURIComponent;

/** Asks for a membership template (make_join, make_leave, make_knock) and signs it as the peer. */
async function signedFromTemplate(peer: FederationPeer, destination: string, path: string, change: (event: JsonObject) => JsonObject = (e) => e) {
  const response = await peer.client.request(destination, "GET", path);
  expect(response.status, response.text).toBe(200);
  const template = response.json as { room_version?: string; event: JsonObject };
  const version = template.room_version ?? "1";
  const event = peer.sign(change({ ...template.event, origin_server_ts: Date.now() }), version);
  return { response, version, event, eventId: computeEventId(event, version) };
}

describe("leaving rooms over federation", () => {
  test(
    "a remote user leaves with make_leave and send_leave, and local members see the leave",
    covers([MAKE_LEAVE, SEND_LEAVE], "server-server-api/#leaving-rooms-rejecting-invites"),
    async ({ alice, hs, peer }) => {
      const roomId = await alice.mustCreateRoom({ preset: "public_chat" });
      await peer.joinRemoteRoom(hs.serverName, roomId, "visitor");
      const visitor = peer.userId("visitor");
      const { response, event, eventId } = await signedFromTemplate(peer, hs.serverName, `${FED}/v1/make_leave/${q(roomId)}/${q(visitor)}`);
      // The template must be a leave of the user in this room, which the caller checks before signing.
      const template = mustMatch(makeLeaveResponse, response.json, "GET /make_leave").event;
      expect(template).toMatchObject({ room_id: roomId, sender: visitor, state_key: visitor, content: { membership: "leave" } });
      const sent = await peer.client.request(hs.serverName, "PUT", `${FED}/v2/send_leave/${q(roomId)}/${q(eventId)}`, event as unknown as JsonValue);
      expect(sent.status, sent.text).toBe(200);
      expect(sent.json).toEqual({});
      await alice.syncUntil(timelineHas(roomId, membershipOf(visitor, "leave")));
    },
  );

  test(
    "make_leave for a user of another server is 403 M_FORBIDDEN",
    covers([MAKE_LEAVE], "server-server-api/#get_matrixfederationv1make_leaveroomiduserid"),
    async ({ alice, bob, hs, peer }) => {
      const roomId = await alice.mustCreateRoom({ preset: "public_chat" });
      await bob.mustJoinRoom(roomId);
      // The origin may only leave on behalf of its own users.
      mustBeError(await peer.client.request(hs.serverName, "GET", `${FED}/v1/make_leave/${q(roomId)}/${q(bob.userId!)}`), 403, "M_FORBIDDEN");
    },
  );

  test(
    "send_leave of an event whose membership is not leave is 400",
    covers([SEND_LEAVE], "server-server-api/#put_matrixfederationv2send_leaveroomideventid"),
    async ({ alice, hs, peer }) => {
      const roomId = await alice.mustCreateRoom({ preset: "public_chat" });
      await peer.joinRemoteRoom(hs.serverName, roomId, "visitor");
      const visitor = peer.userId("visitor");
      const { event, eventId } = await signedFromTemplate(peer, hs.serverName, `${FED}/v1/make_leave/${q(roomId)}/${q(visitor)}`, (e) => ({ ...e, content: { membership: "join" } }));
      // "Servers SHOULD return M_INVALID_PARAM if ... the membership field inside the event content is not leave."
      mustBeError(await peer.client.request(hs.serverName, "PUT", `${FED}/v2/send_leave/${q(roomId)}/${q(eventId)}`, event as unknown as JsonValue), 400);
    },
  );
});

describe("knocking over federation", () => {
  const knockRoom = { preset: "private_chat" as const, initial_state: [{ type: "m.room.join_rules", state_key: "", content: { join_rule: "knock" } }] };

  test(
    "a remote user knocks with make_knock and send_knock, gets the room's create event, and local members see the knock",
    covers([MAKE_KNOCK, SEND_KNOCK], "server-server-api/#knocking-upon-a-room"),
    async ({ alice, hs, peer }) => {
      const roomId = await alice.mustCreateRoom({ ...knockRoom, name: "knock here" });
      const knocker = peer.userId("knocker");
      const { response, event, eventId } = await signedFromTemplate(peer, hs.serverName, `${FED}/v1/make_knock/${q(roomId)}/${q(knocker)}?${ALL_VERSIONS}`);
      const template = mustMatch(makeKnockResponse, response.json, "GET /make_knock").event;
      expect(template).toMatchObject({ room_id: roomId, sender: knocker, state_key: knocker, content: { membership: "knock" } });
      const sent = await peer.client.request(hs.serverName, "PUT", `${FED}/v1/send_knock/${q(roomId)}/${q(eventId)}`, event as unknown as JsonValue);
      expect(sent.status, sent.text).toBe(200);
      const state = mustMatch(sendKnockResponse, sent.json, "PUT /send_knock").knock_room_state;
      // knock_room_state "MUST contain the m.room.create event for the room" (since v1.16).
      expect(state.map((e) => e.type)).toContain("m.room.create");
      await alice.syncUntil(timelineHas(roomId, membershipOf(knocker, "knock")));
    },
  );

  test(
    "make_knock on a room whose join rule is not knock is 403 M_FORBIDDEN",
    covers([MAKE_KNOCK], "server-server-api/#get_matrixfederationv1make_knockroomiduserid"),
    async ({ alice, hs, peer }) => {
      const roomId = await alice.mustCreateRoom({ preset: "private_chat" });
      mustBeError(await peer.client.request(hs.serverName, "GET", `${FED}/v1/make_knock/${q(roomId)}/${q(peer.userId("knocker"))}?${ALL_VERSIONS}`), 403, "M_FORBIDDEN");
    },
  );

  test(
    "make_knock offering no version of the room is 400 M_INCOMPATIBLE_ROOM_VERSION with the room's version",
    covers([MAKE_KNOCK], "server-server-api/#get_matrixfederationv1make_knockroomiduserid"),
    async ({ alice, hs, peer }) => {
      const roomId = await alice.mustCreateRoom(knockRoom);
      // Room versions 1-6 have no knocking, so no room that allows knocks has one of them.
      const response = await peer.client.request(hs.serverName, "GET", `${FED}/v1/make_knock/${q(roomId)}/${q(peer.userId("knocker"))}?ver=1&ver=2`);
      mustBeError(response, 400, "M_INCOMPATIBLE_ROOM_VERSION");
      expect(typeof (response.json as { room_version?: unknown }).room_version).toBe("string");
    },
  );

  test(
    "send_knock of an event whose membership is not knock is 400",
    covers([SEND_KNOCK], "server-server-api/#put_matrixfederationv1send_knockroomideventid"),
    async ({ alice, hs, peer }) => {
      const roomId = await alice.mustCreateRoom(knockRoom);
      const knocker = peer.userId("knocker");
      const { event, eventId } = await signedFromTemplate(peer, hs.serverName, `${FED}/v1/make_knock/${q(roomId)}/${q(knocker)}?${ALL_VERSIONS}`, (e) => ({ ...e, content: { membership: "join" } }));
      // "Servers SHOULD return M_INVALID_PARAM if ... the membership field inside the event content is not knock."
      mustBeError(await peer.client.request(hs.serverName, "PUT", `${FED}/v1/send_knock/${q(roomId)}/${q(eventId)}`, event as unknown as JsonValue), 400);
    },
  );
});

describe("invites over federation", () => {
  test(
    "a v1 invite into a room of version 1 comes back countersigned by the invitee's server, as [200, {event}]",
    covers([INVITE_V1], "server-server-api/#put_matrixfederationv1inviteroomideventid"),
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
          state_key: alice.userId!,
          sender: creator,
          content: { membership: "invite" },
          depth: 3,
          prev_events: [reference(join)],
          auth_events: [reference(create), reference(join)],
        }),
        v1,
      );
      const response = await peer.client.request(hs.serverName, "PUT", `${FED}/v1/invite/${q(roomId)}/${q(inviteId)}`, invite as unknown as JsonValue);
      expect(response.status, response.text).toBe(200);
      const [, { event }] = mustMatch(inviteV1Response, response.json, "PUT /v1/invite");
      const signed = event as unknown as Pdu;
      expect(signed["event_id"]).toBe(inviteId);
      expect(signed.content).toMatchObject({ membership: "invite" });
      // The invitee's server adds its signature; the origin's stays valid.
      expect(Object.keys(signed["signatures"] as JsonObject)).toEqual(expect.arrayContaining([peer.serverName, hs.serverName]));
      expect(await peer.verifyPdu(signed, v1)).toBeUndefined();
    },
  );

  test(
    "a v2 invite into a room of a version the homeserver does not support is 400 M_INCOMPATIBLE_ROOM_VERSION",
    covers([INVITE_V2], "server-server-api/#put_matrixfederationv2inviteroomideventid"),
    async ({ alice, hs, peer }) => {
      const room = peer.createRoom({ version: "11" });
      const invite = peer.sign(room.prototype({ type: "m.room.member", sender: peer.userId("creator"), stateKey: alice.userId!, content: { membership: "invite" } }), room.version);
      const eventId = computeEventId(invite, room.version);
      const response = await peer.client.request(hs.serverName, "PUT", `${FED}/v2/invite/${q(room.roomId)}/${q(eventId)}`, {
        room_version: "org.example.gauntlet.unsupported",
        event: invite as unknown as JsonValue,
        invite_room_state: [room.stateEvent("m.room.create")!.pdu as unknown as JsonValue],
      });
      mustBeError(response, 400, "M_INCOMPATIBLE_ROOM_VERSION");
    },
  );

  test(
    "a v2 invite whose membership is not invite is 400",
    covers([INVITE_V2], "server-server-api/#put_matrixfederationv2inviteroomideventid"),
    async ({ alice, hs, peer }) => {
      const room = peer.createRoom({ version: "11" });
      // A server must not countersign a non-invite: "SHOULD return M_INVALID_PARAM if ... membership ... is not invite".
      const notInvite = peer.sign(room.prototype({ type: "m.room.member", sender: peer.userId("creator"), stateKey: alice.userId!, content: { membership: "join" } }), room.version);
      const eventId = computeEventId(notInvite, room.version);
      const response = await peer.client.request(hs.serverName, "PUT", `${FED}/v2/invite/${q(room.roomId)}/${q(eventId)}`, {
        room_version: room.version.id,
        event: notInvite as unknown as JsonValue,
        invite_room_state: [room.stateEvent("m.room.create")!.pdu as unknown as JsonValue],
      });
      mustBeError(response, 400);
    },
  );
});

describe("refused joins and transactions", () => {
  test(
    "send_join of an event whose membership is not join is 400",
    covers([MAKE_JOIN, SEND_JOIN], "server-server-api/#put_matrixfederationv2send_joinroomideventid"),
    async ({ alice, hs, peer }) => {
      const roomId = await alice.mustCreateRoom({ preset: "public_chat" });
      const joiner = peer.userId("joiner");
      const { event, eventId } = await signedFromTemplate(peer, hs.serverName, `${FED}/v1/make_join/${q(roomId)}/${q(joiner)}?${ALL_VERSIONS}`, (e) => ({ ...e, content: { membership: "leave" } }));
      // "Servers SHOULD return M_INVALID_PARAM if ... the membership field inside the event content is not join."
      mustBeError(await peer.client.request(hs.serverName, "PUT", `${FED}/v2/send_join/${q(roomId)}/${q(eventId)}`, event as unknown as JsonValue), 400);
    },
  );

  test(
    "a transaction whose X-Matrix authorization names another destination is 401",
    covers([SEND], "server-server-api/#request-authentication"),
    async ({ hs, peer }) => {
      const path = `${FED}/v1/send/gauntlet-${randomBytes(6).toString("hex")}`;
      const transaction = { origin: peer.serverName, origin_server_ts: Date.now(), pdus: [] };
      // "If this property is included, but the value does not match the receiving server's name, the receiving server must deny the request with ... 401."
      const authorization = peer.authorization({ method: "PUT", uri: path, destination: "elsewhere.invalid", content: transaction });
      const response = await peer.client.requestWithAuthorization(hs.serverName, "PUT", path, authorization, transaction);
      expect(response.status, response.text).toBe(401);
    },
  );

  test(
    "a knock is refused to a user the room has banned, 403 M_FORBIDDEN",
    covers([MAKE_KNOCK], "server-server-api/#get_matrixfederationv1make_knockroomiduserid"),
    async ({ alice, hs, peer }) => {
      const roomId = await alice.mustCreateRoom({ preset: "private_chat", initial_state: [{ type: "m.room.join_rules", state_key: "", content: { join_rule: "knock" } }] });
      const knocker = peer.userId("banned");
      alice.must(await alice.ban(roomId, knocker, "no knocking"));
      mustBeError(await peer.client.request(hs.serverName, "GET", `${FED}/v1/make_knock/${q(roomId)}/${q(knocker)}?${ALL_VERSIONS}`), 403, "M_FORBIDDEN");
    },
  );
});
