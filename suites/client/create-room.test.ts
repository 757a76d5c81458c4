import { endpoints } from "../../src/client/endpoints.ts";
import { randomBytes } from "node:crypto";
import { expect } from "vitest";
import { expectMatrixError, expectStatus } from "../../src/client/matchers.ts";
import { invitedTo } from "../../src/client/sync.ts";
import { covers, describe, test } from "../fixtures.ts";

describe("presets", () => {
  test("private_chat makes an invite-only room with shared history", covers([endpoints.createRoom, endpoints.getStateEvent], "client-server-api/#creation"), async ({ alice }) => {
    const roomId = await alice.mustCreateRoom({ preset: "private_chat" });
    expect(alice.must(await alice.call(endpoints.getStateEvent, { path: { roomId, eventType: "m.room.join_rules", stateKey: "" } })).join_rule).toBe("invite");
    expect(alice.must(await alice.call(endpoints.getStateEvent, { path: { roomId, eventType: "m.room.history_visibility", stateKey: "" } })).history_visibility).toBe("shared");
  });

  test("public_chat makes a publicly joinable room", covers([endpoints.createRoom, endpoints.getStateEvent], "client-server-api/#creation"), async ({ alice }) => {
    const roomId = await alice.mustCreateRoom({ preset: "public_chat" });
    expect(alice.must(await alice.call(endpoints.getStateEvent, { path: { roomId, eventType: "m.room.join_rules", stateKey: "" } })).join_rule).toBe("public");
    expect(alice.must(await alice.call(endpoints.getStateEvent, { path: { roomId, eventType: "m.room.history_visibility", stateKey: "" } })).history_visibility).toBe("shared");
  });

  test("visibility public without a preset implies public_chat", covers([endpoints.createRoom, endpoints.getStateEvent], "client-server-api/#post_matrixclientv3createroom"), async ({ alice }) => {
    const roomId = await alice.mustCreateRoom({ visibility: "public" });
    expect(alice.must(await alice.call(endpoints.getStateEvent, { path: { roomId, eventType: "m.room.join_rules", stateKey: "" } })).join_rule).toBe("public");
  });

  test("trusted_private_chat gives invitees the creator's power level", covers([endpoints.createRoom, endpoints.getStateEvent], "client-server-api/#creation"), async ({ alice, bob }) => {
    const roomId = await alice.mustCreateRoom({ preset: "trusted_private_chat", invite: [bob.userId] });
    const powerLevels = alice.must(await alice.call(endpoints.getStateEvent, { path: { roomId, eventType: "m.room.power_levels", stateKey: "" } })) as { users?: Record<string, number> };
    expect(powerLevels.users?.[bob.userId]).toBe(powerLevels.users?.[alice.userId]);
    expect(alice.must(await alice.call(endpoints.getStateEvent, { path: { roomId, eventType: "m.room.join_rules", stateKey: "" } })).join_rule).toBe("invite");
  });

  test("rejects an unknown preset with 400", covers([endpoints.createRoom], "client-server-api/#post_matrixclientv3createroom"), async ({ alice }) => {
    // preset is an enum of three values; anything else is an invalid request.
    expectStatus(await alice.call(endpoints.createRoom, { body: { preset: "gauntlet_no_such_preset" } }), 400);
  });
});

describe("initial state", () => {
  test("name and topic become m.room.name and m.room.topic", covers([endpoints.createRoom, endpoints.getStateEvent], "client-server-api/#post_matrixclientv3createroom"), async ({ alice }) => {
    const roomId = await alice.mustCreateRoom({ name: "Gauntlet room", topic: "what this room is for" });
    expect(alice.must(await alice.call(endpoints.getStateEvent, { path: { roomId, eventType: "m.room.name", stateKey: "" } })).name).toBe("Gauntlet room");
    expect(alice.must(await alice.call(endpoints.getStateEvent, { path: { roomId, eventType: "m.room.topic", stateKey: "" } })).topic).toBe("what this room is for");
  });

  test("initial_state events are part of the room state", covers([endpoints.createRoom, endpoints.getStateEvent], "client-server-api/#post_matrixclientv3createroom"), async ({ alice }) => {
    const roomId = await alice.mustCreateRoom({
      initial_state: [{ type: "org.gauntlet.marker", state_key: "k1", content: { value: 42 } }],
    });
    expect(alice.must(await alice.call(endpoints.getStateEvent, { path: { roomId, eventType: "org.gauntlet.marker", stateKey: "k1" } }))).toEqual({ value: 42 });
  });

  test("power_level_content_override is applied", covers([endpoints.createRoom, endpoints.getStateEvent], "client-server-api/#post_matrixclientv3createroom"), async ({ alice }) => {
    const roomId = await alice.mustCreateRoom({ power_level_content_override: { events_default: 37 } });
    expect(alice.must(await alice.call(endpoints.getStateEvent, { path: { roomId, eventType: "m.room.power_levels", stateKey: "" } })).events_default).toBe(37);
  });

  test("the creator is joined and the create event names them", covers([endpoints.createRoom, endpoints.getStateEvent, endpoints.joinedRooms], "client-server-api/#mroomcreate"), async ({ alice }) => {
    const roomId = await alice.mustCreateRoom({});
    expect(alice.must(await alice.call(endpoints.getStateEvent, { path: { roomId, eventType: "m.room.member", stateKey: alice.userId } })).membership).toBe("join");
    expect(alice.must(await alice.call(endpoints.joinedRooms)).joined_rooms).toContain(roomId);
    const state = alice.must(await alice.call(endpoints.getState, { path: { roomId } }));
    const create = state.find((event) => event.type === "m.room.create");
    expect(create?.sender).toBe(alice.userId);
  });

  test("invitees receive an invite", covers([endpoints.createRoom, endpoints.sync], "client-server-api/#post_matrixclientv3createroom"), async ({ alice, bob }) => {
    const roomId = await alice.mustCreateRoom({ preset: "private_chat", invite: [bob.userId], is_direct: true });
    await bob.syncUntil(invitedTo(roomId));
    const member = alice.must(await alice.call(endpoints.getStateEvent, { path: { roomId, eventType: "m.room.member", stateKey: bob.userId } }));
    expect(member.membership).toBe("invite");
    // is_direct is copied into the invitee's membership event (client-server-api/#direct-messaging).
    expect(member.is_direct).toBe(true);
  });
});

describe("room versions", () => {
  test("creates a room of the requested version", covers([endpoints.createRoom, endpoints.getStateEvent], "client-server-api/#post_matrixclientv3createroom"), async ({ alice }) => {
    const roomId = await alice.mustCreateRoom({ room_version: "10" });
    expect(alice.must(await alice.call(endpoints.getStateEvent, { path: { roomId, eventType: "m.room.create", stateKey: "" } })).room_version).toBe("10");
  });

  test("defaults to the version advertised in capabilities", covers([endpoints.createRoom, endpoints.getStateEvent, endpoints.capabilities], "client-server-api/#mroom_versions-capability"), async ({ alice }) => {
    const { capabilities } = alice.must(await alice.call(endpoints.capabilities));
    const roomId = await alice.mustCreateRoom({});
    // An absent room_version in m.room.create means version 1 (client-server-api/#mroomcreate).
    expect(alice.must(await alice.call(endpoints.getStateEvent, { path: { roomId, eventType: "m.room.create", stateKey: "" } })).room_version ?? "1").toBe(capabilities["m.room_versions"]?.default);
  });

  test("rejects an unknown room version with M_UNSUPPORTED_ROOM_VERSION", covers([endpoints.createRoom], "client-server-api/#post_matrixclientv3createroom"), async ({ alice }) => {
    expectMatrixError(await alice.call(endpoints.createRoom, { body: { room_version: "gauntlet-9999" } }), 400, "M_UNSUPPORTED_ROOM_VERSION");
  });
});

describe("aliases", () => {
  test("room_alias_name publishes a resolvable alias", covers([endpoints.createRoom, endpoints.resolveAlias], "client-server-api/#room-aliases"), async ({ alice, hs, bob }) => {
    const name = `gauntlet-${randomBytes(5).toString("hex")}`;
    const roomId = await alice.mustCreateRoom({ room_alias_name: name });
    const resolved = bob.must(await bob.call(endpoints.resolveAlias, { path: { roomAlias: `#${name}:${hs.serverName}` } }));
    expect(resolved.room_id).toBe(roomId);
    expect(resolved.servers.length).toBeGreaterThan(0);
  });

  test("rejects an alias that is taken with M_ROOM_IN_USE", covers([endpoints.createRoom], "client-server-api/#post_matrixclientv3createroom"), async ({ alice, bob }) => {
    const name = `gauntlet-${randomBytes(5).toString("hex")}`;
    await alice.mustCreateRoom({ room_alias_name: name });
    expectMatrixError(await bob.call(endpoints.createRoom, { body: { room_alias_name: name } }), 400, "M_ROOM_IN_USE");
  });

  test("an unknown alias resolves to M_NOT_FOUND", covers([endpoints.resolveAlias], "client-server-api/#get_matrixclientv3directoryroomroomalias"), async ({ alice, hs }) => {
    expectMatrixError(await alice.call(endpoints.resolveAlias, { path: { roomAlias: `#gauntlet-absent-${randomBytes(5).toString("hex")}:${hs.serverName}` } }), 404, "M_NOT_FOUND");
  });
});
