import { newTxnId } from "../../src/client/client.ts";
import { expect } from "vitest";
import { endpoints } from "../../src/client/endpoints.ts";
import { expectMatrixError } from "../../src/client/matchers.ts";
import { accountDataHas, joinedRoom, presenceOf, receiptAt, roomAccountDataHas, typingIncludes, typingIs } from "../../src/client/sync.ts";
import { covers, describe, test } from "../fixtures.ts";

describe("typing notifications", () => {
  test("a member sees another start and stop typing", covers([endpoints.typing, endpoints.sync], "client-server-api/#typing-notifications"), async ({ alice, bob, publicRoom }) => {
    await bob.mustJoinRoom(publicRoom);
    const { nextBatch } = await bob.syncUntil(joinedRoom(publicRoom));
    alice.must(await alice.call(endpoints.typing, { path: { roomId: publicRoom, userId: alice.userId }, body: { typing: true, timeout: 20_000 } }));
    const { nextBatch: typing } = await bob.syncUntil(typingIs(publicRoom, [alice.userId]), { since: nextBatch });
    alice.must(await alice.call(endpoints.typing, { path: { roomId: publicRoom, userId: alice.userId }, body: { typing: false } }));
    await bob.syncUntil(typingIs(publicRoom, []), { since: typing });
  });

  test("typing as another user is 403 M_FORBIDDEN", covers([endpoints.typing], "client-server-api/#put_matrixclientv3roomsroomidtypinguserid"), async ({ alice, bob, publicRoom }) => {
    await bob.mustJoinRoom(publicRoom);
    const res = await alice.call(endpoints.typing, { path: { roomId: publicRoom, userId: bob.userId }, body: { typing: true, timeout: 1000 } });
    // The endpoint lists no status for this refusal; 403 M_FORBIDDEN is the standard one for a forbidden action.
    expectMatrixError(res, 403, "M_FORBIDDEN");
  });

  test("an attempt to type as another user never shows that user typing", covers([endpoints.typing, endpoints.sync], "client-server-api/#put_matrixclientv3roomsroomidtypinguserid"), async ({ alice, bob, charlie, publicRoom }) => {
    await bob.mustJoinRoom(publicRoom);
    await charlie.mustJoinRoom(publicRoom);
    const { nextBatch } = await charlie.syncUntil(joinedRoom(publicRoom));
    // Whatever the server answers, it must not act on alice's request as if bob had made it.
    await alice.call(endpoints.typing, { path: { roomId: publicRoom, userId: bob.userId }, body: { typing: true, timeout: 20_000 } });
    alice.must(await alice.call(endpoints.typing, { path: { roomId: publicRoom, userId: alice.userId }, body: { typing: true, timeout: 20_000 } }));
    const { response } = await charlie.syncUntil(typingIncludes(publicRoom, alice.userId), { since: nextBatch });
    const typing = (response.rooms?.join?.[publicRoom]?.ephemeral?.events ?? []).filter((e) => e.type === "m.typing").flatMap((e) => (e.content.user_ids as string[] | undefined) ?? []);
    expect(typing).not.toContain(bob.userId);
  });

  test("typing in a room one has not joined is 403 M_FORBIDDEN", covers([endpoints.typing], "client-server-api/#put_matrixclientv3roomsroomidtypinguserid"), async ({ bob, publicRoom }) => {
    expectMatrixError(await bob.call(endpoints.typing, { path: { roomId: publicRoom, userId: bob.userId }, body: { typing: true, timeout: 1000 } }), 403, "M_FORBIDDEN");
  });
});

describe("receipts and read markers", () => {
  test("a read receipt reaches the other members", covers([endpoints.receipt, endpoints.sync], "client-server-api/#receipts"), async ({ alice, bob, publicRoom }) => {
    await bob.mustJoinRoom(publicRoom);
    const eventId = await alice.mustSendMessage(publicRoom, "read me");
    bob.must(await bob.call(endpoints.receipt, { path: { roomId: publicRoom, receiptType: "m.read", eventId }, body: {} }));
    await alice.syncUntil(receiptAt(publicRoom, eventId, bob.userId, "m.read", (r) => typeof r.ts === "number"));
  });

  test("a threaded receipt carries its thread_id", covers([endpoints.receipt, endpoints.sync], "client-server-api/#threaded-read-receipts"), async ({ alice, bob, publicRoom }) => {
    await bob.mustJoinRoom(publicRoom);
    const root = await alice.mustSendMessage(publicRoom, "thread root");
    const reply = alice.must(await alice.call(endpoints.sendEvent, { path: { roomId: publicRoom, eventType: "m.room.message", txnId: newTxnId() }, body: { msgtype: "m.text", body: "in thread", "m.relates_to": { rel_type: "m.thread", event_id: root } } })).event_id;
    bob.must(await bob.call(endpoints.receipt, { path: { roomId: publicRoom, receiptType: "m.read", eventId: reply }, body: { thread_id: root } }));
    await alice.syncUntil(receiptAt(publicRoom, reply, bob.userId, "m.read", (r) => r.thread_id === root));
  });

  test("a private receipt is seen only by its owner", covers([endpoints.receipt, endpoints.sync], "client-server-api/#private-read-receipts"), async ({ alice, bob, publicRoom }) => {
    await bob.mustJoinRoom(publicRoom);
    const eventId = await alice.mustSendMessage(publicRoom, "private read");
    const marker = await alice.mustSendMessage(publicRoom, "after the private read");
    bob.must(await bob.call(endpoints.receipt, { path: { roomId: publicRoom, receiptType: "m.read.private", eventId }, body: {} }));
    await bob.syncUntil(receiptAt(publicRoom, eventId, bob.userId, "m.read.private"));
    // A public receipt sent afterwards shows alice's view is live; the private one must not be in it.
    bob.must(await bob.call(endpoints.receipt, { path: { roomId: publicRoom, receiptType: "m.read", eventId: marker }, body: {} }));
    const { response } = await alice.syncUntil(receiptAt(publicRoom, marker, bob.userId));
    expect(receiptAt(publicRoom, eventId, bob.userId, "m.read.private").holds(response)).toBe(false);
  });

  test("an unknown receipt type is 400", covers([endpoints.receipt], "client-server-api/#post_matrixclientv3roomsroomidreceiptreceipttypeeventid"), async ({ alice, publicRoom }) => {
    const eventId = await alice.mustSendMessage(publicRoom, "x");
    // receiptType is one of m.read, m.read.private, m.fully_read; the spec gives the status, not an errcode.
    const res = await alice.call(endpoints.receipt, { path: { roomId: publicRoom, receiptType: "org.gauntlet.unknown", eventId }, body: {} });
    expect(res.status).toBe(400);
  });

  test("a thread_id on m.fully_read is 400", covers([endpoints.receipt], "client-server-api/#threaded-read-receipts"), async ({ alice, publicRoom }) => {
    const eventId = await alice.mustSendMessage(publicRoom, "x");
    // m.fully_read is not a receipt that can be threaded: "400: The thread_id is invalid ... provided for an
    // incompatible receipt type"; the errcode in the spec is an example, not a requirement.
    const res = await alice.call(endpoints.receipt, { path: { roomId: publicRoom, receiptType: "m.fully_read", eventId }, body: { thread_id: "main" } });
    expectMatrixError(res, 400);
  });

  test("read markers set m.fully_read account data and a read receipt", covers([endpoints.readMarkers, endpoints.sync], "client-server-api/#fully-read-markers"), async ({ alice, bob, publicRoom }) => {
    await bob.mustJoinRoom(publicRoom);
    const eventId = await alice.mustSendMessage(publicRoom, "marker");
    bob.must(await bob.call(endpoints.readMarkers, { path: { roomId: publicRoom }, body: { "m.fully_read": eventId, "m.read": eventId } }));
    await bob.syncUntil(roomAccountDataHas(publicRoom, "m.fully_read", (c) => c.event_id === eventId));
    await alice.syncUntil(receiptAt(publicRoom, eventId, bob.userId));
  });

  test("read markers without an access token are 401 M_MISSING_TOKEN", covers([endpoints.readMarkers], "client-server-api/#post_matrixclientv3roomsroomidread_markers"), async ({ alice, anonymous, publicRoom }) => {
    const eventId = await alice.mustSendMessage(publicRoom, "marker");
    expectMatrixError(await anonymous.call(endpoints.readMarkers, { path: { roomId: publicRoom }, body: { "m.fully_read": eventId } }), 401, "M_MISSING_TOKEN");
  });
});

describe("presence", () => {
  test("a status set is read back and reaches users who share a room", covers([endpoints.setPresence, endpoints.getPresence, endpoints.sync], "client-server-api/#presence"), async ({ alice, bob, publicRoom }) => {
    await bob.mustJoinRoom(publicRoom);
    alice.must(await alice.call(endpoints.setPresence, { path: { userId: alice.userId }, body: { presence: "unavailable", status_msg: "at lunch" } }));
    expect(bob.must(await bob.call(endpoints.getPresence, { path: { userId: alice.userId } }))).toMatchObject({ presence: "unavailable", status_msg: "at lunch" });
    await bob.syncUntil(presenceOf(alice.userId, (c) => c.status_msg === "at lunch"));
  });

  test("setting another user's presence is 403 M_FORBIDDEN", covers([endpoints.setPresence], "client-server-api/#put_matrixclientv3presenceuseridstatus"), async ({ alice, bob }) => {
    expectMatrixError(await alice.call(endpoints.setPresence, { path: { userId: bob.userId }, body: { presence: "online" } }), 403, "M_FORBIDDEN");
  });

  test("an invalid presence state is 400", covers([endpoints.setPresence], "client-server-api/#put_matrixclientv3presenceuseridstatus"), async ({ alice }) => {
    // presence is one of online, offline, unavailable; the endpoint gives no errcode for another value.
    expectMatrixError(await alice.call(endpoints.setPresence, { path: { userId: alice.userId }, body: { presence: "gauntlet-busy" } }), 400);
  });

  test("the presence of a user who shares no room is 403 M_FORBIDDEN", covers([endpoints.getPresence], "client-server-api/#get_matrixclientv3presenceuseridstatus"), async ({ alice, charlie }) => {
    // "403: You are not allowed to see their presence."
    expectMatrixError(await charlie.call(endpoints.getPresence, { path: { userId: alice.userId } }), 403, "M_FORBIDDEN");
  });
});

describe("account data", () => {
  test("global account data is stored, read back and synced", covers([endpoints.setAccountData, endpoints.getAccountData, endpoints.sync], "client-server-api/#client-config"), async ({ alice }) => {
    alice.must(await alice.call(endpoints.setAccountData, { path: { userId: alice.userId, type: "org.gauntlet.settings" }, body: { theme: "dark" } }));
    expect(alice.must(await alice.call(endpoints.getAccountData, { path: { userId: alice.userId, type: "org.gauntlet.settings" } }))).toEqual({ theme: "dark" });
    await alice.syncUntil(accountDataHas("org.gauntlet.settings", (c) => c.theme === "dark"));
  });

  test("room account data is stored, read back and synced in the room", covers([endpoints.setRoomAccountData, endpoints.getRoomAccountData, endpoints.sync], "client-server-api/#client-config"), async ({ alice, publicRoom }) => {
    const path = { userId: alice.userId, roomId: publicRoom, type: "org.gauntlet.room" };
    alice.must(await alice.call(endpoints.setRoomAccountData, { path, body: { pinned: true } }));
    expect(alice.must(await alice.call(endpoints.getRoomAccountData, { path }))).toEqual({ pinned: true });
    await alice.syncUntil(roomAccountDataHas(publicRoom, "org.gauntlet.room", (c) => c.pinned === true));
  });

  test("unset account data is M_NOT_FOUND", covers([endpoints.getAccountData, endpoints.getRoomAccountData], "client-server-api/#get_matrixclientv3useruseridaccount_datatype"), async ({ alice, publicRoom }) => {
    expectMatrixError(await alice.call(endpoints.getAccountData, { path: { userId: alice.userId, type: "org.gauntlet.never" } }), 404, "M_NOT_FOUND");
    expectMatrixError(await alice.call(endpoints.getRoomAccountData, { path: { userId: alice.userId, roomId: publicRoom, type: "org.gauntlet.never" } }), 404, "M_NOT_FOUND");
  });

  test("another user's account data is 403 M_FORBIDDEN", covers([endpoints.setAccountData, endpoints.getAccountData, endpoints.setRoomAccountData], "client-server-api/#put_matrixclientv3useruseridaccount_datatype"), async ({ alice, bob, publicRoom }) => {
    expectMatrixError(await alice.call(endpoints.setAccountData, { path: { userId: bob.userId, type: "org.gauntlet.x" }, body: {} }), 403, "M_FORBIDDEN");
    expectMatrixError(await alice.call(endpoints.getAccountData, { path: { userId: bob.userId, type: "org.gauntlet.x" } }), 403, "M_FORBIDDEN");
    expectMatrixError(await alice.call(endpoints.setRoomAccountData, { path: { userId: bob.userId, roomId: publicRoom, type: "org.gauntlet.x" }, body: {} }), 403, "M_FORBIDDEN");
  });

  test("m.fully_read cannot be set as room account data: 405 M_BAD_JSON", covers([endpoints.setRoomAccountData], "client-server-api/#put_matrixclientv3useruseridroomsroomidaccount_datatype"), async ({ alice, publicRoom }) => {
    // "405: This type of account data is controlled by the server; it cannot be modified by clients. Errcode: M_BAD_JSON."
    const res = await alice.call(endpoints.setRoomAccountData, { path: { userId: alice.userId, roomId: publicRoom, type: "m.fully_read" }, body: { event_id: "$x" } });
    expectMatrixError(res, 405, "M_BAD_JSON");
  });

  test("m.fully_read cannot be read as room account data before being set: M_NOT_FOUND", covers([endpoints.getRoomAccountData], "client-server-api/#get_matrixclientv3useruseridroomsroomidaccount_datatype"), async ({ alice, publicRoom }) => {
    expectMatrixError(await alice.call(endpoints.getRoomAccountData, { path: { userId: alice.userId, roomId: publicRoom, type: "m.fully_read" } }), 404, "M_NOT_FOUND");
  });
});

describe("room tags", () => {
  test("tags are added with an order, listed, synced and removed", covers([endpoints.setTag, endpoints.getTags, endpoints.deleteTag, endpoints.sync], "client-server-api/#room-tagging"), async ({ alice, publicRoom }) => {
    const path = { userId: alice.userId, roomId: publicRoom };
    alice.must(await alice.call(endpoints.setTag, { path: { ...path, tag: "m.favourite" }, body: { order: 0.25 } }));
    alice.must(await alice.call(endpoints.setTag, { path: { ...path, tag: "u.work" }, body: {} }));
    expect(alice.must(await alice.call(endpoints.getTags, { path })).tags).toEqual({ "m.favourite": { order: 0.25 }, "u.work": {} });
    await alice.syncUntil(roomAccountDataHas(publicRoom, "m.tag", (c) => (c.tags as Record<string, unknown> | undefined)?.["m.favourite"] !== undefined));
    alice.must(await alice.call(endpoints.deleteTag, { path: { ...path, tag: "u.work" } }));
    expect(alice.must(await alice.call(endpoints.getTags, { path })).tags).toEqual({ "m.favourite": { order: 0.25 } });
  });

  test("tagging for another user is 403 M_FORBIDDEN", covers([endpoints.setTag, endpoints.getTags, endpoints.deleteTag], "client-server-api/#put_matrixclientv3useruseridroomsroomidtagstag"), async ({ alice, bob, publicRoom }) => {
    expectMatrixError(await alice.call(endpoints.setTag, { path: { userId: bob.userId, roomId: publicRoom, tag: "u.x" }, body: {} }), 403, "M_FORBIDDEN");
    expectMatrixError(await alice.call(endpoints.getTags, { path: { userId: bob.userId, roomId: publicRoom } }), 403, "M_FORBIDDEN");
    expectMatrixError(await alice.call(endpoints.deleteTag, { path: { userId: bob.userId, roomId: publicRoom, tag: "u.x" } }), 403, "M_FORBIDDEN");
  });
});
