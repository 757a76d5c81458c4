import { newTxnId } from "../../src/client/client.ts";
import { endpoints } from "../../src/client/endpoints.ts";
import { randomBytes } from "node:crypto";
import { expect } from "vitest";
import { expectMatrixError, expectStatus } from "../../src/client/matchers.ts";
import { invitedTo, leftRoom, membershipOf, timelineHas } from "../../src/client/sync.ts";
import { covers, describe, test } from "../fixtures.ts";

describe("join", () => {
  test("anyone may join a public room", covers([endpoints.join, endpoints.getStateEvent], "client-server-api/#post_matrixclientv3joinroomidoralias"), async ({ alice, bob, publicRoom }) => {
    expect(await bob.mustJoinRoom(publicRoom)).toBe(publicRoom);
    expect(alice.must(await alice.call(endpoints.getStateEvent, { path: { roomId: publicRoom, eventType: "m.room.member", stateKey: bob.userId } })).membership).toBe("join");
  });

  test("joins by alias", covers([endpoints.join, endpoints.createRoom], "client-server-api/#post_matrixclientv3joinroomidoralias"), async ({ alice, bob, hs }) => {
    const name = `gauntlet-${randomBytes(5).toString("hex")}`;
    const roomId = await alice.mustCreateRoom({ preset: "public_chat", room_alias_name: name });
    expect(await bob.mustJoinRoom(`#${name}:${hs.serverName}`)).toBe(roomId);
  });

  test("joins through /rooms/{roomId}/join", covers([endpoints.joinById], "client-server-api/#post_matrixclientv3roomsroomidjoin"), async ({ bob, publicRoom }) => {
    expect(bob.must(await bob.call(endpoints.joinById, { path: { roomId: publicRoom }, body: {} })).room_id).toBe(publicRoom);
  });

  test("may not join an invite-only room without an invite: 403 M_FORBIDDEN", covers([endpoints.join], "client-server-api/#post_matrixclientv3joinroomidoralias"), async ({ alice, bob }) => {
    const roomId = await alice.mustCreateRoom({ preset: "private_chat" });
    expectMatrixError(await bob.call(endpoints.join, { path: { roomIdOrAlias: roomId }, body: {} }), 403, "M_FORBIDDEN");
  });

  test("the join reaches other members' sync", covers([endpoints.join, endpoints.sync], "client-server-api/#mroommember"), async ({ alice, bob, publicRoom }) => {
    const { nextBatch } = await alice.syncUntil(timelineHas(publicRoom, membershipOf(alice.userId, "join")));
    await bob.mustJoinRoom(publicRoom);
    await alice.syncUntil(timelineHas(publicRoom, membershipOf(bob.userId, "join")), { since: nextBatch });
  });
});

describe("invite", () => {
  test("an invited user may join an invite-only room", covers([endpoints.invite, endpoints.join, endpoints.sync], "client-server-api/#post_matrixclientv3roomsroomidinvite"), async ({ alice, bob }) => {
    const roomId = await alice.mustCreateRoom({ preset: "private_chat" });
    await alice.mustInvite(roomId, bob.userId);
    const { response } = await bob.syncUntil(invitedTo(roomId));
    // The invite carries stripped state so the client can show the room (client-server-api/#stripped-state).
    expect(response.rooms?.invite?.[roomId]?.invite_state?.events?.length ?? 0).toBeGreaterThan(0);
    expect(await bob.mustJoinRoom(roomId)).toBe(roomId);
  });

  test("a non-member may not invite: 403 M_FORBIDDEN", covers([endpoints.invite], "client-server-api/#post_matrixclientv3roomsroomidinvite"), async ({ alice, bob, charlie }) => {
    const roomId = await alice.mustCreateRoom({ preset: "private_chat" });
    expectMatrixError(await charlie.call(endpoints.invite, { path: { roomId }, body: { user_id: bob.userId } }), 403, "M_FORBIDDEN");
  });

  test("an invite may be rejected by leaving", covers([endpoints.invite, endpoints.leave], "client-server-api/#post_matrixclientv3roomsroomidleave"), async ({ alice, bob }) => {
    const roomId = await alice.mustCreateRoom({ preset: "private_chat" });
    await alice.mustInvite(roomId, bob.userId);
    await bob.mustLeaveRoom(roomId);
    expect(alice.must(await alice.call(endpoints.getStateEvent, { path: { roomId, eventType: "m.room.member", stateKey: bob.userId } })).membership).toBe("leave");
  });
});

describe("leave", () => {
  test("leaving sets the membership to leave and stops sending", covers([endpoints.leave, endpoints.sendEvent], "client-server-api/#leaving-rooms"), async ({ alice, bob, publicRoom }) => {
    await bob.mustJoinRoom(publicRoom);
    await bob.mustLeaveRoom(publicRoom);
    expect(alice.must(await alice.call(endpoints.getStateEvent, { path: { roomId: publicRoom, eventType: "m.room.member", stateKey: bob.userId } })).membership).toBe("leave");
    expectMatrixError(await bob.call(endpoints.sendEvent, { path: { roomId: publicRoom, eventType: "m.room.message", txnId: newTxnId() }, body: { msgtype: "m.text", body: "after leaving" } }), 403, "M_FORBIDDEN");
  });

  test("the left room appears under rooms.leave", covers([endpoints.leave, endpoints.sync], "client-server-api/#get_matrixclientv3sync"), async ({ bob, publicRoom }) => {
    await bob.mustJoinRoom(publicRoom);
    const { nextBatch } = await bob.syncUntil(timelineHas(publicRoom, membershipOf(bob.userId, "join")));
    await bob.mustLeaveRoom(publicRoom);
    await bob.syncUntil(leftRoom(publicRoom), { since: nextBatch });
  });
});

describe("kick", () => {
  test("a moderator may kick a member, with a reason", covers([endpoints.kick, endpoints.getStateEvent], "client-server-api/#post_matrixclientv3roomsroomidkick"), async ({ alice, bob, publicRoom }) => {
    await bob.mustJoinRoom(publicRoom);
    alice.must(await alice.call(endpoints.kick, { path: { roomId: publicRoom }, body: { user_id: bob.userId, reason: "gauntlet kick" } }));
    const member = alice.must(await alice.call(endpoints.getStateEvent, { path: { roomId: publicRoom, eventType: "m.room.member", stateKey: bob.userId } }));
    expect(member.membership).toBe("leave");
    expect(member.reason).toBe("gauntlet kick");
  });

  test("a member without power may not kick: 403 M_FORBIDDEN", covers([endpoints.kick], "client-server-api/#post_matrixclientv3roomsroomidkick"), async ({ alice, bob, charlie, publicRoom }) => {
    await bob.mustJoinRoom(publicRoom);
    await charlie.mustJoinRoom(publicRoom);
    // The kick level defaults to 50; a joined member has 0 (client-server-api/#mroompower_levels).
    expectMatrixError(await bob.call(endpoints.kick, { path: { roomId: publicRoom }, body: { user_id: charlie.userId } }), 403, "M_FORBIDDEN");
  });
});

describe("ban", () => {
  test("a banned user may not rejoin", covers([endpoints.ban, endpoints.join], "client-server-api/#post_matrixclientv3roomsroomidban"), async ({ alice, bob, publicRoom }) => {
    await bob.mustJoinRoom(publicRoom);
    alice.must(await alice.call(endpoints.ban, { path: { roomId: publicRoom }, body: { user_id: bob.userId, reason: "gauntlet ban" } }));
    expect(alice.must(await alice.call(endpoints.getStateEvent, { path: { roomId: publicRoom, eventType: "m.room.member", stateKey: bob.userId } })).membership).toBe("ban");
    // The spec requires 403 with "a meaningful errcode" here, not a particular one.
    expectStatus(await bob.call(endpoints.join, { path: { roomIdOrAlias: publicRoom }, body: {} }), 403);
  });

  test("a user may be banned before they ever joined", covers([endpoints.ban, endpoints.join], "client-server-api/#banning-users-in-a-room"), async ({ alice, bob, publicRoom }) => {
    alice.must(await alice.call(endpoints.ban, { path: { roomId: publicRoom }, body: { user_id: bob.userId } }));
    expectStatus(await bob.call(endpoints.join, { path: { roomIdOrAlias: publicRoom }, body: {} }), 403);
  });

  test("a member without power may not ban: 403 M_FORBIDDEN", covers([endpoints.ban], "client-server-api/#post_matrixclientv3roomsroomidban"), async ({ bob, charlie, publicRoom }) => {
    await bob.mustJoinRoom(publicRoom);
    expectMatrixError(await bob.call(endpoints.ban, { path: { roomId: publicRoom }, body: { user_id: charlie.userId } }), 403, "M_FORBIDDEN");
  });

  test("unban lets the user join again", covers([endpoints.ban, endpoints.unban, endpoints.join], "client-server-api/#post_matrixclientv3roomsroomidunban"), async ({ alice, bob, publicRoom }) => {
    await bob.mustJoinRoom(publicRoom);
    alice.must(await alice.call(endpoints.ban, { path: { roomId: publicRoom }, body: { user_id: bob.userId } }));
    alice.must(await alice.call(endpoints.unban, { path: { roomId: publicRoom }, body: { user_id: bob.userId } }));
    // Unbanning sets the membership to leave, not join.
    expect(alice.must(await alice.call(endpoints.getStateEvent, { path: { roomId: publicRoom, eventType: "m.room.member", stateKey: bob.userId } })).membership).toBe("leave");
    expect(await bob.mustJoinRoom(publicRoom)).toBe(publicRoom);
  });
});

describe("forget", () => {
  test("a left room may be forgotten", covers([endpoints.leave, endpoints.forget, endpoints.sync], "client-server-api/#post_matrixclientv3roomsroomidforget"), async ({ bob, publicRoom }) => {
    await bob.mustJoinRoom(publicRoom);
    await bob.mustLeaveRoom(publicRoom);
    bob.must(await bob.call(endpoints.forget, { path: { roomId: publicRoom }, body: {} }));
    // A forgotten room is no longer returned under rooms.leave, even with include_leave.
    const sync = await bob.mustSync({ filter: { room: { include_leave: true } } });
    expect(Object.keys(sync.rooms?.leave ?? {})).not.toContain(publicRoom);
  });

  test("a joined room may not be forgotten: 400", covers([endpoints.forget], "client-server-api/#post_matrixclientv3roomsroomidforget"), async ({ alice, publicRoom }) => {
    // "400: The user has not left the room".
    expectStatus(await alice.call(endpoints.forget, { path: { roomId: publicRoom }, body: {} }), 400);
  });
});
