import { federationEndpoints } from "../../src/federation/endpoints.ts";
import { endpoints } from "../../src/client/endpoints.ts";
import { expectMatrixError } from "../../src/client/matchers.ts";
import { isMessage, joinedRoom, timelineHas } from "../../src/client/sync.ts";
import { computeEventId, referencedEventIds } from "../../src/protocol/index.ts";
import { covers, describe, expect, test } from "./peer-fixture.ts";

describe("joining rooms over federation", () => {
  test(
    "a local user joins a room hosted by another server with make_join and send_join",
    covers([federationEndpoints.makeJoin, federationEndpoints.sendJoin, endpoints.join], "server-server-api/#joining-rooms"),
    async ({ alice, peer }) => {
      const room = peer.createRoom({ version: "11" });
      expect(await alice.mustJoinVia(room.roomId, peer.serverName)).toBe(room.roomId);
      // The homeserver asked the resident server for a template, then sent the signed join back.
      const makeJoin = peer.requests.find((r) => r.method === "GET" && r.path.includes("/make_join/"));
      const sendJoin = peer.requests.find((r) => r.method === "PUT" && r.path.includes("/send_join/"));
      expect(makeJoin?.status).toBe(200);
      expect(sendJoin?.status, JSON.stringify(sendJoin?.body)).toBe(200);
      expect(room.stateEvent("m.room.member", alice.userId!)?.pdu.content).toMatchObject({ membership: "join" });
    },
  );

  test(
    "events from the resident server reach the local user's sync",
    covers([federationEndpoints.sendTransaction, endpoints.join], "server-server-api/#transactions"),
    async ({ alice, peer }) => {
      const room = peer.createRoom({ version: "11" });
      await alice.mustJoinVia(room.roomId, peer.serverName);
      await peer.sendEvent(room, { type: "m.room.message", sender: peer.userId("creator"), content: { msgtype: "m.text", body: "over federation" } });
      await alice.syncUntil(timelineHas(room.roomId, isMessage("over federation")));
    },
  );

  test(
    "the homeserver sends its users' events to the other servers in the room",
    covers([federationEndpoints.sendTransaction], "server-server-api/#transactions"),
    async ({ alice, peer }) => {
      const room = peer.createRoom({ version: "11" });
      await alice.mustJoinVia(room.roomId, peer.serverName);
      const eventId = await alice.mustSendMessage(room.roomId, "to the peer");
      const received = await peer.waitForPdu((p) => p.eventId === eventId);
      // Accepted means: valid signature and content hash, event ID as computed, allowed by the auth rules.
      expect(received.rejected).toBeUndefined();
      expect(received.pdu.content).toMatchObject({ msgtype: "m.text", body: "to the peer" });
    },
  );

  test(
    "a server joins a room on the homeserver with the room version it advertises",
    covers([federationEndpoints.makeJoin, federationEndpoints.sendJoin], "server-server-api/#joining-rooms"),
    async ({ alice, hs, peer }) => {
      const roomId = await alice.mustCreateRoom({ preset: "public_chat" });
      const room = await peer.joinRemoteRoom(hs.serverName, roomId, "visitor");
      const create = room.stateEvent("m.room.create");
      expect(create).toBeDefined();
      // make_join names the version the room was created with (room versions: absent means "1").
      expect(room.version.id).toBe(String(create!.pdu.content["room_version"] ?? "1"));
      expect(room.stateEvent("m.room.member", peer.userId("visitor"))).toBeDefined();
      // Every state event handed over in send_join must carry valid signatures and hashes.
      for (const stored of room.currentState()) {
        expect(await peer.verifyPdu(stored.pdu, room.version), `${stored.pdu.type} ${stored.eventId}`).toBeUndefined();
      }
      const eventId = await alice.mustSendMessage(roomId, "welcome");
      expect((await peer.waitForPdu((p) => p.eventId === eventId)).rejected).toBeUndefined();
      await alice.syncUntil(joinedRoom(roomId));
    },
  );

  test(
    "send_join's auth_chain holds the auth events of every state event it returns",
    covers([federationEndpoints.makeJoin, federationEndpoints.sendJoin], "server-server-api/#put_matrixfederationv2send_joinroomideventid"),
    async ({ alice, hs, peer }) => {
      const roomId = await alice.mustCreateRoom({ preset: "public_chat" });
      const remote = peer.to(hs);
      const template = remote.must(await remote.makeJoin(roomId, peer.userId("chained")));
      const version = template.room_version ?? "1";
      const join = peer.sign({ ...template.event, origin_server_ts: Date.now() }, version);
      const result = remote.must(await remote.sendJoin(roomId, computeEventId(join, version), join));
      // auth_chain: "The auth chain for the entire current room state prior to the join event."
      const chain = new Set(result.auth_chain.map((pdu) => computeEventId(pdu, version)));
      expect(result.state.length).toBeGreaterThan(0);
      for (const pdu of result.state) {
        for (const authId of referencedEventIds(pdu["auth_events"] as string[])) expect(chain.has(authId), `auth event ${authId} of ${pdu.type}`).toBe(true);
      }
    },
  );

  test(
    "make_join for a room the homeserver does not know answers 404 M_NOT_FOUND",
    covers([federationEndpoints.makeJoin], "server-server-api/#get_matrixfederationv1make_joinroomiduserid"),
    async ({ hs, peer }) => {
      expectMatrixError(await peer.to(hs).makeJoin(`!unknown:${hs.serverName}`, peer.userId("nobody"), ["10", "11"]), 404, "M_NOT_FOUND");
    },
  );

  test(
    "make_join refuses a user who does not belong to the requesting server",
    covers([federationEndpoints.makeJoin], "server-server-api/#get_matrixfederationv1make_joinroomiduserid"),
    async ({ alice, hs, peer }) => {
      const roomId = await alice.mustCreateRoom({ preset: "public_chat" });
      // The origin may only ask for a template for its own users (server-server API, "Joining Rooms").
      expectMatrixError(await peer.to(hs).makeJoin(roomId, `@mallory:${hs.serverName}`, ["10", "11"]), 403, "M_FORBIDDEN");
    },
  );
});
