import { endpoints } from "../../src/client/endpoints.ts";
import { expect } from "vitest";
import { newTxnId } from "../../src/client/client.ts";
import { expectMatrixError, expectStatus } from "../../src/client/matchers.ts";
import { joinedRoom, timelineHas, untilInTimeline } from "../../src/client/sync.ts";
import { covers, describe, test } from "../fixtures.ts";

describe("sending messages", () => {
  test("a sent message can be fetched by its event ID", covers([endpoints.sendEvent, endpoints.getEvent], "client-server-api/#get_matrixclientv3roomsroomideventeventid"), async ({ alice, publicRoom }) => {
    const eventId = await alice.mustSendMessage(publicRoom, "hello gauntlet");
    const event = alice.must(await alice.call(endpoints.getEvent, { path: { roomId: publicRoom, eventId } }));
    expect(event).toMatchObject({ event_id: eventId, room_id: publicRoom, sender: alice.userId, type: "m.room.message", content: { msgtype: "m.text", body: "hello gauntlet" } });
  });

  test("reusing a transaction ID returns the same event", covers([endpoints.sendEvent, endpoints.messages], "client-server-api/#transaction-identifiers"), async ({ alice, publicRoom }) => {
    const txnId = newTxnId();
    const first = await alice.mustSendMessage(publicRoom, "once", txnId);
    const again = await alice.mustSendMessage(publicRoom, "once", txnId);
    // The server treats a retried transaction as the same request and must not create a second event.
    expect(again).toBe(first);
    await untilInTimeline(alice, publicRoom, first);
    const { chunk } = alice.must(await alice.call(endpoints.messages, { path: { roomId: publicRoom }, query: { dir: "b", limit: 20, filter: JSON.stringify({ types: ["m.room.message"] }) } }));
    expect(chunk.filter((event) => event.content.body === "once")).toHaveLength(1);
  });

  test("the same transaction ID from another user is a different event", covers([endpoints.sendEvent], "client-server-api/#transaction-identifiers"), async ({ alice, bob, publicRoom }) => {
    await bob.mustJoinRoom(publicRoom);
    const txnId = newTxnId();
    // Transaction IDs are scoped to the device (access token) that sent them.
    expect(await bob.mustSendMessage(publicRoom, "mine", txnId)).not.toBe(await alice.mustSendMessage(publicRoom, "mine", txnId));
  });

  test("a non-member may not send: 403 M_FORBIDDEN", covers([endpoints.sendEvent], "client-server-api/#put_matrixclientv3roomsroomidsendeventtypetxnid"), async ({ bob, publicRoom }) => {
    expectMatrixError(await bob.call(endpoints.sendEvent, { path: { roomId: publicRoom, eventType: "m.room.message", txnId: newTxnId() }, body: { msgtype: "m.text", body: "intruder" } }), 403, "M_FORBIDDEN");
  });

  test("an unknown event ID is M_NOT_FOUND", covers([endpoints.getEvent], "client-server-api/#get_matrixclientv3roomsroomideventeventid"), async ({ alice, publicRoom }) => {
    expectMatrixError(await alice.call(endpoints.getEvent, { path: { roomId: publicRoom, eventId: "$gauntletDoesNotExist0000000000000000000000" } }), 404, "M_NOT_FOUND");
  });
});

describe("state events", () => {
  test("a state event can be read back by type and state key", covers([endpoints.sendState, endpoints.getStateEvent], "client-server-api/#put_matrixclientv3roomsroomidstateeventtypestatekey"), async ({ alice, publicRoom }) => {
    await alice.mustSendState(publicRoom, "m.room.topic", "", { topic: "first" });
    await alice.mustSendState(publicRoom, "org.gauntlet.setting", "colour", { value: "green" });
    expect(alice.must(await alice.call(endpoints.getStateEvent, { path: { roomId: publicRoom, eventType: "m.room.topic", stateKey: "" } }))).toMatchObject({ topic: "first" });
    expect(alice.must(await alice.call(endpoints.getStateEvent, { path: { roomId: publicRoom, eventType: "org.gauntlet.setting", stateKey: "colour" } }))).toEqual({ value: "green" });
  });

  test("a later state event replaces the earlier one", covers([endpoints.sendState, endpoints.getStateEvent, endpoints.getState], "client-server-api/#room-events"), async ({ alice, publicRoom }) => {
    await alice.mustSendState(publicRoom, "m.room.topic", "", { topic: "first" });
    const latest = await alice.mustSendState(publicRoom, "m.room.topic", "", { topic: "second" });
    expect(alice.must(await alice.call(endpoints.getStateEvent, { path: { roomId: publicRoom, eventType: "m.room.topic", stateKey: "" } }))).toMatchObject({ topic: "second" });
    const topics = alice.must(await alice.call(endpoints.getState, { path: { roomId: publicRoom } })).filter((event) => event.type === "m.room.topic");
    expect(topics.map((event) => event.event_id)).toEqual([latest]);
  });

  test("state that was never set is M_NOT_FOUND", covers([endpoints.getStateEvent], "client-server-api/#get_matrixclientv3roomsroomidstateeventtypestatekey"), async ({ alice, publicRoom }) => {
    expectMatrixError(await alice.call(endpoints.getStateEvent, { path: { roomId: publicRoom, eventType: "org.gauntlet.never_set", stateKey: "x" } }), 404, "M_NOT_FOUND");
  });

  test("a member below the required power level may not set state: 403 M_FORBIDDEN", covers([endpoints.sendState], "client-server-api/#mroompower_levels"), async ({ bob, publicRoom }) => {
    await bob.mustJoinRoom(publicRoom);
    // m.room.name needs level 50 under the default power levels; a joined member has 0.
    expectMatrixError(await bob.call(endpoints.sendState, { path: { roomId: publicRoom, eventType: "m.room.name", stateKey: "" }, body: { name: "taken over" } }), 403, "M_FORBIDDEN");
  });
});

describe("/messages pagination", () => {
  test("pages backwards then forwards through the timeline", covers([endpoints.sendEvent, endpoints.messages], "client-server-api/#get_matrixclientv3roomsroomidmessages"), async ({ alice, publicRoom }) => {
    const sent: string[] = [];
    for (let i = 0; i < 5; i += 1) sent.push(await alice.mustSendMessage(publicRoom, `m${i}`));
    await untilInTimeline(alice, publicRoom, sent[4]!);
    const filter = { types: ["m.room.message"] };

    // Backwards from the end of the timeline, two at a time: newest first.
    const backwards: string[] = [];
    let from: string | undefined;
    for (let page = 0; page < 5 && backwards.length < 5; page += 1) {
      const body = alice.must(await alice.call(endpoints.messages, { path: { roomId: publicRoom }, query: { dir: "b", limit: 2, filter: JSON.stringify(filter), ...(from ? { from } : {}) } }));
      expect(body.chunk.length).toBeLessThanOrEqual(2);
      backwards.push(...body.chunk.map((event) => event.event_id));
      if (!body.end) break;
      from = body.end;
    }
    expect(backwards).toEqual([...sent].reverse());

    // Forwards from the start of the room: oldest first.
    const forwards = alice.must(await alice.call(endpoints.messages, { path: { roomId: publicRoom }, query: { dir: "f", limit: 50, filter: JSON.stringify(filter) } }));
    expect(forwards.chunk.map((event) => event.event_id)).toEqual(sent);
  });

  test("pages forwards from a token taken while paging backwards", covers([endpoints.messages], "client-server-api/#get_matrixclientv3roomsroomidmessages"), async ({ alice, publicRoom }) => {
    const sent: string[] = [];
    for (let i = 0; i < 4; i += 1) sent.push(await alice.mustSendMessage(publicRoom, `p${i}`));
    await untilInTimeline(alice, publicRoom, sent[3]!);
    const filter = { types: ["m.room.message"] };
    const newest = alice.must(await alice.call(endpoints.messages, { path: { roomId: publicRoom }, query: { dir: "b", limit: 2, filter: JSON.stringify(filter) } }));
    expect(newest.chunk.map((e) => e.event_id)).toEqual([sent[3], sent[2]]);
    // A backwards page's `end` continues further back; paging forwards from it returns to the present.
    const older = alice.must(await alice.call(endpoints.messages, { path: { roomId: publicRoom }, query: { dir: "b", limit: 2, filter: JSON.stringify(filter), from: newest.end ?? "" } }));
    expect(older.chunk.map((e) => e.event_id)).toEqual([sent[1], sent[0]]);
    const again = alice.must(await alice.call(endpoints.messages, { path: { roomId: publicRoom }, query: { dir: "f", limit: 2, filter: JSON.stringify(filter), from: older.end ?? "" } }));
    expect(again.chunk.map((e) => e.event_id)).toEqual([sent[0], sent[1]]);
  });

  test("a page that reaches the start of the room omits end", covers([endpoints.messages], "client-server-api/#get_matrixclientv3roomsroomidmessages"), async ({ alice }) => {
    const roomId = await alice.mustCreateRoom({});
    await alice.syncUntil(joinedRoom(roomId));
    const page = alice.must(await alice.call(endpoints.messages, { path: { roomId }, query: { dir: "b", limit: 100 } }));
    expect(page.chunk.at(-1)?.type).toBe("m.room.create");
    // "If no further events are available ... this property is omitted from the response."
    expect(page.end).toBeUndefined();
  });

  test("a full page that ends exactly at the room's creation omits end", covers([endpoints.messages], "client-server-api/#get_matrixclientv3roomsroomidmessages"), async ({ alice }) => {
    const roomId = await alice.mustCreateRoom({});
    await alice.syncUntil(joinedRoom(roomId));
    const all = alice.must(await alice.call(endpoints.messages, { path: { roomId }, query: { dir: "b", limit: 100 } }));
    // The same rule holds when the page is exactly as long as the limit: no events lie before m.room.create.
    const exact = alice.must(await alice.call(endpoints.messages, { path: { roomId }, query: { dir: "b", limit: all.chunk.length } }));
    expect(exact.chunk.at(-1)?.type).toBe("m.room.create");
    expect(exact.end).toBeUndefined();
  });

  test("a non-member may not read the history of a room with shared visibility: 403 M_FORBIDDEN", covers([endpoints.messages], "client-server-api/#history-visibility"), async ({ alice, bob }) => {
    const roomId = await alice.mustCreateRoom({ preset: "private_chat" });
    await alice.mustSendMessage(roomId, "secret");
    expectMatrixError(await bob.call(endpoints.messages, { path: { roomId }, query: { dir: "b", limit: 10 } }), 403, "M_FORBIDDEN");
  });
});

describe("events of rooms one is not in", () => {
  // GET /event and GET /context: "404: The event was not found or you do not have permission to read this event."
  test("a non-member reading an event of a private room by its ID is 404 M_NOT_FOUND", covers([endpoints.getEvent], "client-server-api/#get_matrixclientv3roomsroomideventeventid"), async ({ alice, bob }) => {
    const roomId = await alice.mustCreateRoom({ preset: "private_chat" });
    const eventId = await alice.mustSendMessage(roomId, "not for bob");
    expectMatrixError(await bob.call(endpoints.getEvent, { path: { roomId, eventId } }), 404, "M_NOT_FOUND");
  });

  // GET /context lists no error response at all, so only a refusal, of some 4xx status, is asserted.
  test("a non-member asking for the context of an event of a private room gets a 4xx error and no events", covers([endpoints.context], "client-server-api/#get_matrixclientv3roomsroomidcontexteventid"), async ({ alice, bob }) => {
    const roomId = await alice.mustCreateRoom({ preset: "private_chat" });
    const eventId = await alice.mustSendMessage(roomId, "not for bob");
    const res = await bob.call(endpoints.context, { path: { roomId, eventId } });
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    expect(JSON.stringify(res.body)).not.toContain("not for bob");
  });
});

describe("/context", () => {
  test("returns the event with the events around it", covers([endpoints.context], "client-server-api/#get_matrixclientv3roomsroomidcontexteventid"), async ({ alice, publicRoom }) => {
    const before = await alice.mustSendMessage(publicRoom, "before");
    const middle = await alice.mustSendMessage(publicRoom, "middle");
    const after = await alice.mustSendMessage(publicRoom, "after");
    const context = alice.must(await alice.call(endpoints.context, { path: { roomId: publicRoom, eventId: middle }, query: { limit: 4 } }));
    expect(context.event?.event_id).toBe(middle);
    expect(context.events_before?.[0]?.event_id).toBe(before);
    expect(context.events_after?.[0]?.event_id).toBe(after);
    // The limit counts events before and after together.
    expect((context.events_before?.length ?? 0) + (context.events_after?.length ?? 0)).toBeLessThanOrEqual(4);
  });

  test("an unknown event is M_NOT_FOUND", covers([endpoints.context], "client-server-api/#get_matrixclientv3roomsroomidcontexteventid"), async ({ alice, publicRoom }) => {
    expectMatrixError(await alice.call(endpoints.context, { path: { roomId: publicRoom, eventId: "$gauntletDoesNotExist0000000000000000000000" } }), 404, "M_NOT_FOUND");
  });
});

describe("redaction", () => {
  test("a redacted message loses its content", covers([endpoints.redact, endpoints.getEvent, endpoints.sync], "client-server-api/#redactions"), async ({ alice, bob, publicRoom }) => {
    await bob.mustJoinRoom(publicRoom);
    const eventId = await alice.mustSendMessage(publicRoom, "regrettable");
    const redaction = alice.must(await alice.call(endpoints.redact, { path: { roomId: publicRoom, eventId, txnId: newTxnId() }, body: { reason: "gauntlet redaction" } })).event_id;
    // Redaction strips every content key of m.room.message (rooms/v11/#redactions).
    const event = bob.must(await bob.call(endpoints.getEvent, { path: { roomId: publicRoom, eventId } }));
    expect(event.content).toEqual({});
    const because = (event.unsigned as { redacted_because?: { event_id?: string } } | undefined)?.redacted_because;
    expect(because?.event_id).toBe(redaction);
    await bob.syncUntil(timelineHas(publicRoom, { description: `the redaction ${redaction}`, matches: (e) => e.event_id === redaction && e.type === "m.room.redaction" }));
  });

  test("a member without power may not redact another's message: 403 M_FORBIDDEN", covers([endpoints.redact], "client-server-api/#put_matrixclientv3roomsroomidredacteventidtxnid"), async ({ alice, bob, publicRoom }) => {
    await bob.mustJoinRoom(publicRoom);
    const eventId = await alice.mustSendMessage(publicRoom, "mine");
    expectMatrixError(await bob.call(endpoints.redact, { path: { roomId: publicRoom, eventId, txnId: newTxnId() }, body: {} }), 403, "M_FORBIDDEN");
  });

  test("a sender may redact their own message", covers([endpoints.redact], "client-server-api/#redactions"), async ({ bob, publicRoom }) => {
    await bob.mustJoinRoom(publicRoom);
    const eventId = await bob.mustSendMessage(publicRoom, "own words");
    expectStatus(await bob.call(endpoints.redact, { path: { roomId: publicRoom, eventId, txnId: newTxnId() }, body: {} }), 200);
    expect(bob.must(await bob.call(endpoints.getEvent, { path: { roomId: publicRoom, eventId } })).content).toEqual({});
  });
});
