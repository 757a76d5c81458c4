import { newTxnId } from "../../src/client/client.ts";
import { expect } from "vitest";
import { endpoints } from "../../src/client/endpoints.ts";
import { expectMatrixError } from "../../src/client/matchers.ts";
import { readUntil } from "../../src/client/poll.ts";
import { eventOfType, joinedRoom, stateHas, timelineHas, untilInTimeline } from "../../src/client/sync.ts";
import { covers, describe, test } from "../fixtures.ts";

describe("room upgrades", () => {
  test("an upgrade tombstones the old room and links the new one to it", covers([endpoints.upgrade, endpoints.sync], "client-server-api/#room-upgrades"), async ({ alice, bob }) => {
    const oldRoom = await alice.mustCreateRoom({ preset: "public_chat", room_version: "10", name: "before upgrade" });
    await bob.mustJoinRoom(oldRoom);
    const { replacement_room } = alice.must(await alice.call(endpoints.upgrade, { path: { roomId: oldRoom }, body: { new_version: "11" } }));
    await bob.syncUntil(stateHas(oldRoom, { description: "a tombstone naming the replacement", matches: (e) => e.type === "m.room.tombstone" && e.content.replacement_room === replacement_room }));
    const create = alice.must(await alice.call(endpoints.getStateEvent, { path: { roomId: replacement_room, eventType: "m.room.create", stateKey: "" } }));
    expect(create).toMatchObject({ room_version: "11", predecessor: { room_id: oldRoom } });
    // State such as the name is carried over to the new room.
    expect(alice.must(await alice.call(endpoints.getStateEvent, { path: { roomId: replacement_room, eventType: "m.room.name", stateKey: "" } }))).toEqual({ name: "before upgrade" });
    // The old room no longer lets ordinary members speak: invite and events_default are raised.
    const levels = alice.must(await alice.call(endpoints.getStateEvent, { path: { roomId: oldRoom, eventType: "m.room.power_levels", stateKey: "" } }));
    expect(levels.events_default).toBeGreaterThanOrEqual(50);
  });

  test("an upgrade to an unknown version is 400 M_UNSUPPORTED_ROOM_VERSION", covers([endpoints.upgrade], "client-server-api/#post_matrixclientv3roomsroomidupgrade"), async ({ alice, publicRoom }) => {
    expectMatrixError(await alice.call(endpoints.upgrade, { path: { roomId: publicRoom }, body: { new_version: "gauntlet.none" } }), 400, "M_UNSUPPORTED_ROOM_VERSION");
  });

  test("a member without power to send the tombstone is 403 M_FORBIDDEN", covers([endpoints.upgrade], "client-server-api/#post_matrixclientv3roomsroomidupgrade"), async ({ bob, publicRoom }) => {
    await bob.mustJoinRoom(publicRoom);
    expectMatrixError(await bob.call(endpoints.upgrade, { path: { roomId: publicRoom }, body: { new_version: "11" } }), 403, "M_FORBIDDEN");
  });
});

describe("relations, threads and edits", () => {
  test("relations are listed by type and event type", covers([endpoints.sendEvent, endpoints.relations, endpoints.relationsOfType, endpoints.relationsOfTypeAndEvent], "client-server-api/#relationship-types"), async ({ alice, publicRoom }) => {
    const root = await alice.mustSendMessage(publicRoom, "original");
    const edit = alice.must(await alice.call(endpoints.sendEvent, { path: { roomId: publicRoom, eventType: "m.room.message", txnId: newTxnId() }, body: { msgtype: "m.text", body: "* edited", "m.new_content": { msgtype: "m.text", body: "edited" }, "m.relates_to": { rel_type: "m.replace", event_id: root } } })).event_id;
    const reaction = alice.must(await alice.call(endpoints.sendEvent, { path: { roomId: publicRoom, eventType: "m.reaction", txnId: newTxnId() }, body: { "m.relates_to": { rel_type: "m.annotation", event_id: root, key: "👍" } } })).event_id;
    await untilInTimeline(alice, publicRoom, reaction);
    const all = alice.must(await alice.call(endpoints.relations, { path: { roomId: publicRoom, eventId: root } }));
    expect(all.chunk.map((e) => e.event_id).sort()).toEqual([edit, reaction].sort());
    const annotations = alice.must(await alice.call(endpoints.relationsOfType, { path: { roomId: publicRoom, eventId: root, relType: "m.annotation" } }));
    expect(annotations.chunk.map((e) => e.event_id)).toEqual([reaction]);
    const reactions = alice.must(await alice.call(endpoints.relationsOfTypeAndEvent, { path: { roomId: publicRoom, eventId: root, relType: "m.annotation", eventType: "m.reaction" } }));
    expect(reactions.chunk.map((e) => e.event_id)).toEqual([reaction]);
  });

  test("an edit is aggregated onto the original event", covers([endpoints.sendEvent, endpoints.getEvent], "client-server-api/#server-side-aggregation-of-mreplace-relationships"), async ({ alice, publicRoom }) => {
    const root = await alice.mustSendMessage(publicRoom, "original");
    const edit = alice.must(await alice.call(endpoints.sendEvent, { path: { roomId: publicRoom, eventType: "m.room.message", txnId: newTxnId() }, body: { msgtype: "m.text", body: "* fixed", "m.new_content": { msgtype: "m.text", body: "fixed" }, "m.relates_to": { rel_type: "m.replace", event_id: root } } })).event_id;
    const original = alice.must(await alice.call(endpoints.getEvent, { path: { roomId: publicRoom, eventId: root } }));
    // The original keeps its content; the edit is announced in unsigned.m.relations.
    expect(original.content.body).toBe("original");
    expect((original.unsigned as { "m.relations"?: Record<string, { event_id?: string }> })?.["m.relations"]?.["m.replace"]?.event_id).toBe(edit);
  });

  test("relations paginate with a limit and next_batch", covers([endpoints.relations], "client-server-api/#get_matrixclientv1roomsroomidrelationseventid"), async ({ alice, publicRoom }) => {
    const root = await alice.mustSendMessage(publicRoom, "root");
    let last = root;
    for (let i = 0; i < 3; i += 1) last = alice.must(await alice.call(endpoints.sendEvent, { path: { roomId: publicRoom, eventType: "m.reaction", txnId: newTxnId() }, body: { "m.relates_to": { rel_type: "m.annotation", event_id: root, key: `k${i}` } } })).event_id;
    await untilInTimeline(alice, publicRoom, last);
    const first = alice.must(await alice.call(endpoints.relations, { path: { roomId: publicRoom, eventId: root }, query: { limit: 2 } }));
    expect(first.chunk).toHaveLength(2);
    const rest = alice.must(await alice.call(endpoints.relations, { path: { roomId: publicRoom, eventId: root }, query: { limit: 2, from: first.next_batch } }));
    expect(rest.chunk).toHaveLength(1);
  });

  test("relations in a room one cannot see are 404 M_NOT_FOUND", covers([endpoints.relations, endpoints.relationsOfType, endpoints.relationsOfTypeAndEvent], "client-server-api/#get_matrixclientv1roomsroomidrelationseventid"), async ({ alice, bob }) => {
    const roomId = await alice.mustCreateRoom({ preset: "private_chat" });
    const root = await alice.mustSendMessage(roomId, "private");
    for (const res of [
      await bob.call(endpoints.relations, { path: { roomId, eventId: root } }),
      await bob.call(endpoints.relationsOfType, { path: { roomId, eventId: root, relType: "m.annotation" } }),
      await bob.call(endpoints.relationsOfTypeAndEvent, { path: { roomId, eventId: root, relType: "m.annotation", eventType: "m.reaction" } }),
    ]) {
      // "404: The parent event was not found or the user does not have permission to read this event".
      expectMatrixError(res, 404, "M_NOT_FOUND");
    }
  });

  test("threads are listed with their latest reply", covers([endpoints.sendEvent, endpoints.threads], "client-server-api/#threading"), async ({ alice, bob, publicRoom }) => {
    await bob.mustJoinRoom(publicRoom);
    const root = await alice.mustSendMessage(publicRoom, "thread root");
    const reply = bob.must(await bob.call(endpoints.sendEvent, { path: { roomId: publicRoom, eventType: "m.room.message", txnId: newTxnId() }, body: { msgtype: "m.text", body: "reply", "m.relates_to": { rel_type: "m.thread", event_id: root } } })).event_id;
    await untilInTimeline(alice, publicRoom, reply);
    const threads = alice.must(await alice.call(endpoints.threads, { path: { roomId: publicRoom } }));
    expect(threads.chunk.map((e) => e.event_id)).toEqual([root]);
    const summary = (threads.chunk[0]?.unsigned as { "m.relations"?: { "m.thread"?: { latest_event?: { event_id?: string }; count?: number } } })?.["m.relations"]?.["m.thread"];
    expect(summary?.latest_event?.event_id).toBe(reply);
    expect(summary?.count).toBe(1);
    const participated = bob.must(await bob.call(endpoints.threads, { path: { roomId: publicRoom }, query: { include: "participated" } }));
    expect(participated.chunk.map((e) => e.event_id)).toEqual([root]);
  });

  test("threads of a room one is not in are 403 M_FORBIDDEN", covers([endpoints.threads], "client-server-api/#get_matrixclientv1roomsroomidthreads"), async ({ alice, bob }) => {
    const roomId = await alice.mustCreateRoom({ preset: "private_chat" });
    expectMatrixError(await bob.call(endpoints.threads, { path: { roomId } }), 403, "M_FORBIDDEN");
  });
});

describe("spaces", () => {
  test("the hierarchy lists a space and its children", covers([endpoints.sendState, endpoints.hierarchy], "client-server-api/#spaces"), async ({ alice, hs }) => {
    const space = await alice.mustCreateRoom({ preset: "public_chat", name: "gauntlet space", creation_content: { type: "m.space" } });
    const child = await alice.mustCreateRoom({ preset: "public_chat", name: "child" });
    await alice.mustSendState(space, "m.space.child", child, { via: [hs.serverName] });
    // The hierarchy's room summaries may lag behind the rooms' state, as room summaries may.
    const { rooms } = await readUntil(
      `the hierarchy of ${space} with both rooms named`,
      async () => alice.must(await alice.call(endpoints.hierarchy, { path: { roomId: space } })),
      (h) => h.rooms.length === 2 && h.rooms.every((r) => r.name !== undefined),
    );
    expect(rooms.map((r) => r.room_id)).toEqual([space, child]);
    expect(rooms[0]).toMatchObject({ room_type: "m.space", name: "gauntlet space" });
    expect(rooms[0]?.children_state.map((e) => e.state_key)).toEqual([child]);
    const shallow = alice.must(await alice.call(endpoints.hierarchy, { path: { roomId: space }, query: { max_depth: 0 } }));
    expect(shallow.rooms.map((r) => r.room_id)).toEqual([space]);
  });

  test("the hierarchy of a private space one is not in is 403 M_FORBIDDEN", covers([endpoints.hierarchy], "client-server-api/#get_matrixclientv1roomsroomidhierarchy"), async ({ alice, bob }) => {
    const space = await alice.mustCreateRoom({ preset: "private_chat", creation_content: { type: "m.space" } });
    expectMatrixError(await bob.call(endpoints.hierarchy, { path: { roomId: space } }), 403, "M_FORBIDDEN");
  });

  test("an invalid pagination token is 400 M_INVALID_PARAM", covers([endpoints.hierarchy], "client-server-api/#get_matrixclientv1roomsroomidhierarchy"), async ({ alice }) => {
    const space = await alice.mustCreateRoom({ preset: "public_chat", creation_content: { type: "m.space" } });
    expectMatrixError(await alice.call(endpoints.hierarchy, { path: { roomId: space }, query: { from: "gauntlet-not-a-token" } }), 400, "M_INVALID_PARAM");
  });
});

describe("reporting content", () => {
  test("an event, a room and a user can be reported", covers([endpoints.reportEvent, endpoints.reportRoom, endpoints.reportUser], "client-server-api/#reporting-content"), async ({ alice, bob, publicRoom }) => {
    await bob.mustJoinRoom(publicRoom);
    const eventId = await alice.mustSendMessage(publicRoom, "reportable");
    bob.must(await bob.call(endpoints.reportEvent, { path: { roomId: publicRoom, eventId }, body: { reason: "gauntlet test report", score: -100 } }));
    bob.must(await bob.call(endpoints.reportRoom, { path: { roomId: publicRoom }, body: { reason: "gauntlet test report" } }));
    bob.must(await bob.call(endpoints.reportUser, { path: { userId: alice.userId }, body: { reason: "gauntlet test report" } }));
  });

  test("reporting an unknown event is 404 M_NOT_FOUND", covers([endpoints.reportEvent], "client-server-api/#post_matrixclientv3roomsroomidreporteventid"), async ({ bob, publicRoom }) => {
    await bob.mustJoinRoom(publicRoom);
    expectMatrixError(await bob.call(endpoints.reportEvent, { path: { roomId: publicRoom, eventId: "$gauntletNoSuchEvent000000000000000000000000" }, body: { reason: "x" } }), 404, "M_NOT_FOUND");
  });

  test("reporting an unknown room is 404 M_NOT_FOUND", covers([endpoints.reportRoom], "client-server-api/#post_matrixclientv3roomsroomidreport"), async ({ bob, hs }) => {
    expectMatrixError(await bob.call(endpoints.reportRoom, { path: { roomId: `!gauntletNoRoom:${hs.serverName}` }, body: { reason: "x" } }), 404, "M_NOT_FOUND");
  });

  test("reporting a user without a token is 401 M_MISSING_TOKEN", covers([endpoints.reportUser], "client-server-api/#post_matrixclientv3usersuseridreport"), async ({ alice, anonymous }) => {
    // An unknown user may be answered with 200 to hide who exists, so the checkable refusal is authentication.
    expectMatrixError(await anonymous.call(endpoints.reportUser, { path: { userId: alice.userId }, body: { reason: "x" }, auth: false }), 401, "M_MISSING_TOKEN");
  });
});

describe("search", () => {
  test("a message is found by a word in its body", covers([endpoints.sendEvent, endpoints.search], "client-server-api/#server-side-search"), async ({ alice, publicRoom }) => {
    const word = `gauntletword${Date.now().toString(36)}`;
    const eventId = await alice.mustSendMessage(publicRoom, `a message with ${word} inside`);
    const body = { search_categories: { room_events: { search_term: word, keys: ["content.body"], filter: { rooms: [publicRoom] } } } };
    // Servers may index asynchronously; the search is repeated until the message is indexed.
    const found = await readUntil(`${eventId} in search results`, async () => alice.must(await alice.call(endpoints.search, { body })), (r) => (r.search_categories.room_events?.results ?? []).length > 0);
    expect(found.search_categories.room_events?.results?.map((r) => r.result?.event_id)).toEqual([eventId]);
  });

  test("a search without search_term is 400", covers([endpoints.search], "client-server-api/#post_matrixclientv3search"), async ({ alice }) => {
    // search_term is required; the endpoint gives no errcode for its absence.
    expectMatrixError(await alice.call(endpoints.search, { body: { search_categories: { room_events: {} } } }), 400);
  });
});

describe("timestamps and members", () => {
  test("timestamp_to_event finds the event nearest a time in each direction", covers([endpoints.sendEvent, endpoints.timestampToEvent], "client-server-api/#get_matrixclientv1roomsroomidtimestamp_to_event"), async ({ alice, publicRoom }) => {
    const first = await alice.mustSendMessage(publicRoom, "first");
    const firstTs = alice.must(await alice.call(endpoints.getEvent, { path: { roomId: publicRoom, eventId: first } })).origin_server_ts;
    const second = await alice.mustSendMessage(publicRoom, "second");
    const secondTs = alice.must(await alice.call(endpoints.getEvent, { path: { roomId: publicRoom, eventId: second } })).origin_server_ts;
    const back = alice.must(await alice.call(endpoints.timestampToEvent, { path: { roomId: publicRoom }, query: { ts: secondTs + 60_000, dir: "b" } }));
    expect(back).toEqual({ event_id: second, origin_server_ts: secondTs });
    const forward = alice.must(await alice.call(endpoints.timestampToEvent, { path: { roomId: publicRoom }, query: { ts: firstTs, dir: "f" } }));
    expect(forward.origin_server_ts).toBeGreaterThanOrEqual(firstTs);
  });

  test("timestamp_to_event with nothing in that direction is M_NOT_FOUND", covers([endpoints.timestampToEvent], "client-server-api/#get_matrixclientv1roomsroomidtimestamp_to_event"), async ({ alice, publicRoom }) => {
    expectMatrixError(await alice.call(endpoints.timestampToEvent, { path: { roomId: publicRoom }, query: { ts: Date.now() + 3_600_000, dir: "f" } }), 404, "M_NOT_FOUND");
  });

  test("joined_members lists joined users with their profiles", covers([endpoints.joinedMembers], "client-server-api/#get_matrixclientv3roomsroomidjoined_members"), async ({ alice, bob, publicRoom }) => {
    await bob.mustJoinRoom(publicRoom);
    const { joined } = alice.must(await alice.call(endpoints.joinedMembers, { path: { roomId: publicRoom } }));
    expect(Object.keys(joined).sort()).toEqual([alice.userId, bob.userId].sort());
  });

  test("joined_members of a room one is not in is 403 M_FORBIDDEN", covers([endpoints.joinedMembers], "client-server-api/#get_matrixclientv3roomsroomidjoined_members"), async ({ alice, bob }) => {
    const roomId = await alice.mustCreateRoom({ preset: "private_chat" });
    expectMatrixError(await bob.call(endpoints.joinedMembers, { path: { roomId } }), 403, "M_FORBIDDEN");
  });

  test("members at a sync token shows membership as it was then", covers([endpoints.members, endpoints.sync], "client-server-api/#get_matrixclientv3roomsroomidmembers"), async ({ alice, bob, publicRoom }) => {
    const { nextBatch } = await alice.syncUntil(joinedRoom(publicRoom));
    await bob.mustJoinRoom(publicRoom);
    await alice.syncUntil(stateHas(publicRoom, eventOfType("m.room.member", bob.userId)), { since: nextBatch });
    const now = alice.must(await alice.call(endpoints.members, { path: { roomId: publicRoom } }));
    expect(now.chunk.map((e) => e.state_key).sort()).toEqual([alice.userId, bob.userId].sort());
    const then = alice.must(await alice.call(endpoints.members, { path: { roomId: publicRoom }, query: { at: nextBatch } }));
    expect(then.chunk.map((e) => e.state_key)).toEqual([alice.userId]);
    const joinedOnly = alice.must(await alice.call(endpoints.members, { path: { roomId: publicRoom }, query: { membership: "join", not_membership: "leave" } }));
    expect(joinedOnly.chunk.every((e) => e.content.membership === "join")).toBe(true);
  });

  test("members of a private room one was never in is 403 M_FORBIDDEN", covers([endpoints.members], "client-server-api/#get_matrixclientv3roomsroomidmembers"), async ({ alice, bob }) => {
    const roomId = await alice.mustCreateRoom({ preset: "private_chat" });
    expectMatrixError(await bob.call(endpoints.members, { path: { roomId } }), 403, "M_FORBIDDEN");
  });
});

describe("room snapshots", () => {
  test("a room's initialSync has its state and latest messages", covers([endpoints.roomInitialSync], "client-server-api/#get_matrixclientv3roomsroomidinitialsync"), async ({ alice, publicRoom }) => {
    const eventId = await alice.mustSendMessage(publicRoom, "snapshot");
    await untilInTimeline(alice, publicRoom, eventId);
    const snapshot = alice.must(await alice.call(endpoints.roomInitialSync, { path: { roomId: publicRoom } }));
    expect(snapshot.room_id).toBe(publicRoom);
    expect(snapshot.membership).toBe("join");
    expect(snapshot.messages?.chunk.map((e) => e.event_id)).toContain(eventId);
    expect(snapshot.state?.some((e) => e.type === "m.room.create")).toBe(true);
  });

  test("a room's initialSync for a non-member of a private room is 403 M_FORBIDDEN", covers([endpoints.roomInitialSync], "client-server-api/#get_matrixclientv3roomsroomidinitialsync"), async ({ alice, bob }) => {
    const roomId = await alice.mustCreateRoom({ preset: "private_chat" });
    expectMatrixError(await bob.call(endpoints.roomInitialSync, { path: { roomId } }), 403, "M_FORBIDDEN");
  });

  test("a public room's summary is visible to a non-member", covers([endpoints.roomSummary], "client-server-api/#get_matrixclientv1room_summaryroomidoralias"), async ({ alice, bob }) => {
    const roomId = await alice.mustCreateRoom({ preset: "public_chat", name: "summarised", topic: "about" });
    // Summaries may lag behind the room's state (Synapse builds them from room statistics).
    const summary = await readUntil(`the summary of ${roomId} with its name`, async () => bob.must(await bob.call(endpoints.roomSummary, { path: { roomIdOrAlias: roomId } })), (s) => s.name !== undefined);
    expect(summary).toMatchObject({ room_id: roomId, name: "summarised", topic: "about", join_rule: "public", num_joined_members: 1 });
  });

  test("a private room's summary for a non-member is 404 M_NOT_FOUND", covers([endpoints.roomSummary], "client-server-api/#get_matrixclientv1room_summaryroomidoralias"), async ({ alice, bob }) => {
    const roomId = await alice.mustCreateRoom({ preset: "private_chat" });
    // "404: The room could not be found" covers a room the user may not preview (GET /room_summary).
    expectMatrixError(await bob.call(endpoints.roomSummary, { path: { roomIdOrAlias: roomId } }), 404, "M_NOT_FOUND");
  });

  test("mutual rooms lists the rooms two users share", covers([endpoints.mutualRooms], "client-server-api/#get_matrixclientv1mutual_rooms"), async ({ alice, bob, publicRoom }) => {
    await bob.mustJoinRoom(publicRoom);
    await alice.mustCreateRoom({ preset: "private_chat" });
    expect(bob.must(await bob.call(endpoints.mutualRooms, { query: { user_id: alice.userId } })).joined).toEqual([publicRoom]);
  });

  test("mutual rooms with oneself is 400", covers([endpoints.mutualRooms], "client-server-api/#get_matrixclientv1mutual_rooms"), async ({ alice }) => {
    const res = await alice.call(endpoints.mutualRooms, { query: { user_id: alice.userId } });
    // "400: Part of the request was invalid. ... the user_id parameter was ... the sender's own user ID."
    expectMatrixError(res, 400);
  });
});

describe("room timeline via sync after relations", () => {
  test("an edit arrives in the timeline as an m.replace event", covers([endpoints.sendEvent, endpoints.sync], "client-server-api/#event-replacements"), async ({ alice, bob, publicRoom }) => {
    await bob.mustJoinRoom(publicRoom);
    const root = await alice.mustSendMessage(publicRoom, "typo");
    const edit = alice.must(await alice.call(endpoints.sendEvent, { path: { roomId: publicRoom, eventType: "m.room.message", txnId: newTxnId() }, body: { msgtype: "m.text", body: "* fixed", "m.new_content": { msgtype: "m.text", body: "fixed" }, "m.relates_to": { rel_type: "m.replace", event_id: root } } })).event_id;
    await bob.syncUntil(timelineHas(publicRoom, { description: `the edit ${edit}`, matches: (e) => e.event_id === edit && (e.content["m.relates_to"] as { rel_type?: string } | undefined)?.rel_type === "m.replace" }));
  });
});
