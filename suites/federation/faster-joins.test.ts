import { endpoints } from "../../src/client/endpoints.ts";
import { readUntil } from "../../src/client/poll.ts";
import { joinedRoom } from "../../src/client/sync.ts";
import { answerPartialStateJoins } from "../../src/federation/partial-state-join.ts";
import { covers, describe, expect, test } from "./peer-fixture.ts";

describe("faster joins", () => {
  test(
    "a join answered with members omitted gives the client the room, and its member list becomes complete once the homeserver resyncs the state",
    covers([endpoints.join, endpoints.joinedMembers], "server-server-api/#put_matrixfederationv2send_joinroomideventid"),
    async ({ alice, peer }) => {
      const room = peer.createRoom({ version: "11" });
      const creator = peer.userId("creator");
      room.append(peer.sign(room.prototype({ type: "m.room.name", sender: creator, stateKey: "", content: { name: "partial state" } }), room.version));
      const residents = ["resident1", "resident2", "resident3"].map((localpart) => peer.userId(localpart));
      for (const userId of residents) room.append(peer.sign(room.prototype({ type: "m.room.member", sender: userId, stateKey: userId, content: { membership: "join" } }), room.version));
      const joins = answerPartialStateJoins(peer);
      await alice.mustJoinVia(room.roomId, peer.serverName);
      // omit_members is the joining server's choice; this test is about what follows when it asks.
      expect(joins.omitted, "send_join with omit_members=true").toHaveLength(1);
      await alice.syncUntil(joinedRoom(room.roomId));
      const everyone = [creator, ...residents, alice.userId].sort();
      // The partial state held only alice's membership; the resync (/state_ids, /state) brings the rest.
      const members = await readUntil(
        "every resident in the joined members",
        async () => alice.must(await alice.call(endpoints.joinedMembers, { path: { roomId: room.roomId } })),
        (body) => Object.keys(body.joined).length === everyone.length,
        { timeoutMs: 30_000 },
      );
      expect(Object.keys(members.joined).sort()).toEqual(everyone);
      expect(peer.requests.some((r) => decodeURIComponent(r.path).startsWith(`/_matrix/federation/v1/state_ids/${room.roomId}`) || decodeURIComponent(r.path).startsWith(`/_matrix/federation/v1/state/${room.roomId}`)), "a resync through /state_ids or /state").toBe(true);
    },
  );
});
