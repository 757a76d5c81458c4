import { endpoints } from "../../src/client/endpoints.ts";
import { invitedTo, isMessage, joinedRoom, timelineHas } from "../../src/client/sync.ts";
import { covers, describe, expect, test } from "../fixtures.ts";

// Two real homeservers of the run (`--servers 2`) federating with each other over TLS.

describe("interop between two homeservers", () => {
  test(
    "a user of the second server joins a public room and messages flow both ways",
    covers([endpoints.join, endpoints.sync], "client-server-api/#joining-rooms"),
    async ({ alice, hs, hs2, requests }) => {
      const { client: zoe } = await hs2.newUser("zoe", { log: requests });
      const roomId = await alice.mustCreateRoom({ preset: "public_chat" });
      await zoe.mustJoinVia(roomId, hs.serverName);
      await alice.mustSendMessage(roomId, "hello from hs1");
      await zoe.syncUntil(timelineHas(roomId, isMessage("hello from hs1")), { timeoutMs: 30_000 });
      await zoe.mustSendMessage(roomId, "hello from hs2");
      await alice.syncUntil(timelineHas(roomId, isMessage("hello from hs2")), { timeoutMs: 30_000 });
      zoe.close();
    },
  );

  test(
    "an invite crosses servers and the invitee can join from it",
    covers([endpoints.invite, endpoints.join, endpoints.sync], "client-server-api/#room-membership"),
    async ({ alice, hs2, requests }) => {
      const { client: yann } = await hs2.newUser("yann", { log: requests });
      const roomId = await alice.mustCreateRoom({ preset: "private_chat" });
      await alice.mustInvite(roomId, yann.userId);
      await yann.syncUntil(invitedTo(roomId), { timeoutMs: 30_000 });
      await yann.mustJoinRoom(roomId);
      await yann.syncUntil(joinedRoom(roomId), { timeoutMs: 30_000 });
      yann.close();
    },
  );

  test(
    "a remote user's profile is fetched over federation",
    covers([endpoints.profile], "client-server-api/#profiles"),
    async ({ alice, hs2, requests }) => {
      const { client: xena } = await hs2.newUser("xena", { log: requests, displayName: "Xena on hs2" });
      const profile = alice.must(await alice.call(endpoints.profile, { path: { userId: xena.userId } }));
      expect(profile.displayname).toBe("Xena on hs2");
      xena.close();
    },
  );
});
