import { endpoints } from "../../src/client/endpoints.ts";
import { expect } from "vitest";
import { allOf, eventOfType, eventWithId, invitedTo, isMessage, joinedRoom, leftRoom, membershipOf, timelineHas } from "../../src/client/sync.ts";
import { covers, describe, test } from "../fixtures.ts";

describe("initial sync", () => {
  test("returns joined rooms with their state and a next_batch token", covers([endpoints.sync], "client-server-api/#get_matrixclientv3sync"), async ({ alice, publicRoom }) => {
    const sync = await alice.mustSync();
    const room = sync.rooms?.join?.[publicRoom];
    expect(room).toBeDefined();
    const events = [...(room?.state?.events ?? []), ...(room?.timeline?.events ?? [])];
    // Without a filter the room's full state is included, the create event among it.
    expect(events.some((event) => event.type === "m.room.create")).toBe(true);
    expect(sync.next_batch).toEqual(expect.any(String));
  });

  test("includes pending invites with stripped state", covers([endpoints.sync, endpoints.invite], "client-server-api/#get_matrixclientv3sync"), async ({ alice, bob }) => {
    const roomId = await alice.mustCreateRoom({ preset: "private_chat", name: "invite sync" });
    await alice.mustInvite(roomId, bob.userId);
    const { response } = await bob.syncUntil(invitedTo(roomId));
    const stripped = response.rooms?.invite?.[roomId]?.invite_state?.events ?? [];
    expect(stripped.some((event) => event.type === "m.room.name" && event.content.name === "invite sync")).toBe(true);
  });
});

describe("incremental sync", () => {
  test("delivers a new message after the since token", covers([endpoints.sync], "client-server-api/#syncing"), async ({ alice, bob, publicRoom }) => {
    await bob.mustJoinRoom(publicRoom);
    const { nextBatch } = await bob.syncUntil(joinedRoom(publicRoom));
    const eventId = await alice.mustSendMessage(publicRoom, "incremental");
    const { response } = await bob.syncUntil(timelineHas(publicRoom, eventWithId(eventId)), { since: nextBatch });
    // An incremental response holds only what happened after the token: the earlier join is not repeated.
    const events = response.rooms?.join?.[publicRoom]?.timeline?.events ?? [];
    expect(events.some((event) => membershipOf(bob.userId, "join").matches(event))).toBe(false);
  });

  test("a long-poll returns as soon as an event arrives", covers([endpoints.sync], "client-server-api/#get_matrixclientv3sync"), async ({ alice, bob, publicRoom }) => {
    await bob.mustJoinRoom(publicRoom);
    const { nextBatch } = await bob.syncUntil(joinedRoom(publicRoom));
    const longPollMs = 20_000;
    const started = Date.now();
    const polling = bob.mustSync({ since: nextBatch, timeout: longPollMs });
    const eventId = await alice.mustSendMessage(publicRoom, "wake up");
    let response = await polling;
    // The poll may wake for bob's own receipt or presence first; follow it with bounded short polls.
    for (let i = 0; i < 5 && !timelineHas(publicRoom, eventWithId(eventId)).holds(response); i += 1) {
      response = await bob.mustSync({ since: response.next_batch, timeout: longPollMs });
    }
    expect(timelineHas(publicRoom, eventWithId(eventId)).holds(response)).toBe(true);
    // "the server should wait up to timeout for new events": it must not wait the full timeout once one arrives.
    expect(Date.now() - started).toBeLessThan(longPollMs / 2);
  });

  test("an incremental sync with timeout 0 returns at once", covers([endpoints.sync], "client-server-api/#get_matrixclientv3sync"), async ({ alice }) => {
    const first = await alice.mustSync();
    const started = Date.now();
    const second = await alice.mustSync({ since: first.next_batch, timeout: 0 });
    expect(second.next_batch).toEqual(expect.any(String));
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});

describe("filters", () => {
  test("an uploaded filter limits the timeline and marks it limited", covers([endpoints.sync, endpoints.createFilter], "client-server-api/#filtering"), async ({ alice, publicRoom }) => {
    for (let i = 0; i < 4; i += 1) await alice.mustSendMessage(publicRoom, `filler ${i}`);
    const { filter_id } = alice.must(await alice.call(endpoints.createFilter, { path: { userId: alice.userId }, body: { room: { timeline: { limit: 2 } } } }));
    const sync = await alice.mustSync({ filter: filter_id });
    const timeline = sync.rooms?.join?.[publicRoom]?.timeline;
    expect(timeline?.events).toHaveLength(2);
    // More events exist than were returned, so the timeline is limited and has a token to page back from.
    expect(timeline?.limited).toBe(true);
    expect(timeline?.prev_batch).toEqual(expect.any(String));
    expect(timeline?.events.map((event) => event.content.body)).toEqual(["filler 2", "filler 3"]);
  });

  test("an inline filter restricts event types", covers([endpoints.sync], "client-server-api/#filtering"), async ({ alice, publicRoom }) => {
    await alice.mustSendState(publicRoom, "m.room.topic", "", { topic: "not a message" });
    await alice.mustSendMessage(publicRoom, "a message");
    const sync = await alice.mustSync({ filter: { room: { timeline: { types: ["m.room.message"], limit: 10 } } } });
    const types = new Set(sync.rooms?.join?.[publicRoom]?.timeline?.events.map((event) => event.type));
    expect([...types]).toEqual(["m.room.message"]);
  });

  test("a filter can exclude rooms", covers([endpoints.sync], "client-server-api/#filtering"), async ({ alice, publicRoom }) => {
    const other = await alice.mustCreateRoom({});
    const sync = await alice.mustSync({ filter: { room: { not_rooms: [publicRoom] } } });
    expect(sync.rooms?.join?.[publicRoom]).toBeUndefined();
    expect(sync.rooms?.join?.[other]).toBeDefined();
  });

  test("an unlimited timeline is not marked limited", covers([endpoints.sync], "client-server-api/#get_matrixclientv3sync"), async ({ alice }) => {
    const roomId = await alice.mustCreateRoom({});
    await alice.mustSendMessage(roomId, "only one");
    const sync = await alice.mustSync({ filter: { room: { rooms: [roomId], timeline: { limit: 100 } } } });
    const timeline = sync.rooms?.join?.[roomId]?.timeline;
    expect(timeline?.events.some((event) => isMessage("only one").matches(event))).toBe(true);
    expect(timeline?.limited ?? false).toBe(false);
  });

  test("a filter that is not JSON is rejected", covers([endpoints.sync], "client-server-api/#get_matrixclientv3sync"), async ({ alice }) => {
    // A filter parameter starting with "{" is an inline filter and must parse as a Filter.
    const response = await alice.call(endpoints.sync, { query: { filter: "{not json" } });
    expect(response.status).toBe(400);
  });
});

describe("left rooms", () => {
  test("a room left since the token moves to rooms.leave with the leave event", covers([endpoints.sync, endpoints.leave], "client-server-api/#get_matrixclientv3sync"), async ({ bob, publicRoom }) => {
    await bob.mustJoinRoom(publicRoom);
    const { nextBatch } = await bob.syncUntil(joinedRoom(publicRoom));
    await bob.mustLeaveRoom(publicRoom);
    const { response } = await bob.syncUntil(leftRoom(publicRoom), { since: nextBatch });
    const events = response.rooms?.leave?.[publicRoom]?.timeline?.events ?? [];
    expect(events.some((event) => membershipOf(bob.userId, "leave").matches(event))).toBe(true);
    expect(response.rooms?.join?.[publicRoom]).toBeUndefined();
  });

  test("include_leave brings left rooms into an initial sync", covers([endpoints.sync], "client-server-api/#filtering"), async ({ bob, publicRoom }) => {
    await bob.mustJoinRoom(publicRoom);
    await bob.mustLeaveRoom(publicRoom);
    const withLeave = await bob.mustSync({ filter: { room: { include_leave: true } } });
    expect(withLeave.rooms?.leave?.[publicRoom]).toBeDefined();
    const without = await bob.mustSync();
    expect(without.rooms?.leave?.[publicRoom]).toBeUndefined();
  });

  test("a kicked member sees the kick in rooms.leave", covers([endpoints.sync, endpoints.kick], "client-server-api/#get_matrixclientv3sync"), async ({ alice, bob, publicRoom }) => {
    await bob.mustJoinRoom(publicRoom);
    const { nextBatch } = await bob.syncUntil(joinedRoom(publicRoom));
    alice.must(await alice.call(endpoints.kick, { path: { roomId: publicRoom }, body: { user_id: bob.userId } }));
    await bob.syncUntil(allOf(leftRoom(publicRoom), { description: "the kick in the left room's timeline", holds: (r) => (r.rooms?.leave?.[publicRoom]?.timeline?.events ?? []).some((e) => eventOfType("m.room.member", bob.userId).matches(e) && e.sender === alice.userId) }), { since: nextBatch });
  });
});
