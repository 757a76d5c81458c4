import { invitedTo } from "../../src/client/sync.ts";
import { federationEndpoints as fed } from "../../src/federation/endpoints.ts";
import { covers, describe, expect, test } from "./peer-fixture.ts";

describe("v2 invites over federation", () => {
  test(
    "a v2 invite comes back countersigned by the invitee's server under the same event ID, and the invitee sees it",
    covers([fed.invite], "server-server-api/#put_matrixfederationv2inviteroomideventid"),
    async ({ alice, hs, peer }) => {
      const room = peer.createRoom({ version: "11" });
      const invite = await peer.inviteRemoteUser(room, { sender: peer.userId("creator"), userId: alice.userId });
      // Signatures are outside the reference hash, so countersigning keeps the ID the peer computed.
      expect(Object.keys(invite.pdu.signatures ?? {})).toEqual(expect.arrayContaining([peer.serverName, hs.serverName]));
      expect(invite.pdu.content).toMatchObject({ membership: "invite" });
      await alice.syncUntil(invitedTo(room.roomId));
    },
  );
});
