import { newTxnId } from "../../src/client/client.ts";
import { expect } from "vitest";
import type { MatrixClient } from "../../src/client/client.ts";
import { endpoints } from "../../src/client/endpoints.ts";
import { expectMatrixError } from "../../src/client/matchers.ts";
import { knockedOn, membershipOf, stateHas } from "../../src/client/sync.ts";
import { isKnownRoomVersion, roomVersion, type RoomVersion } from "../../src/protocol/room-versions.ts";
import { covers, describe, test } from "../fixtures.ts";

// Behaviour that differs by room version runs against every stable version the server advertises
// (client-server-api/#mroom_versions-capability); unstable versions are experiments, not the spec.
const versionsCache = new Map<string, Promise<RoomVersion[]>>();
function advertisedVersions(client: MatrixClient): Promise<RoomVersion[]> {
  let cached = versionsCache.get(client.baseUrl);
  if (!cached) {
    cached = (async () => {
      const caps = client.must(await client.call(endpoints.capabilities)).capabilities["m.room_versions"];
      const stable = Object.entries(caps?.available ?? {}).filter(([, stability]) => stability === "stable").map(([id]) => id);
      const unknown = stable.filter((id) => !isKnownRoomVersion(id));
      if (unknown.length > 0) throw new Error(`the server calls room versions ${unknown.join(", ")} stable, but the spec defines only 1-12`);
      return stable.map((id) => roomVersion(id));
    })();
    versionsCache.set(client.baseUrl, cached);
  }
  return cached;
}

/** Versions checked at once: each check is a few room operations, and the other tests of the run go on beside them. */
const VERSIONS_AT_ONCE = 3;

/**
 * Runs `check` for each advertised version, a few versions at a time, and fails naming every
 * version that failed (the first failure's message in full).
 */
async function forEachVersion(client: MatrixClient, check: (version: RoomVersion) => Promise<void>): Promise<void> {
  const versions = await advertisedVersions(client);
  expect(versions.length).toBeGreaterThan(0);
  const failures: { version: string; error: unknown }[] = [];
  const queue = [...versions];
  const lane = async () => {
    for (let version = queue.shift(); version; version = queue.shift()) {
      try {
        await check(version);
      } catch (error) {
        failures.push({ version: version.id, error });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(VERSIONS_AT_ONCE, versions.length) }, lane));
  if (failures.length === 0) return;
  const order = versions.map((v) => v.id);
  failures.sort((a, b) => order.indexOf(a.version) - order.indexOf(b.version));
  const first = failures[0]!.error;
  const prefix = `room version ${failures.map((f) => f.version).join(", ")} failed; room version ${failures[0]!.version}: `;
  if (first instanceof Error) {
    first.message = prefix + first.message;
    throw first;
  }
  throw new Error(prefix + String(first));
}

/** A test over every advertised version: more time than one room's worth, still bounded. */
function overVersions(covered: Parameters<typeof covers>[0], section: string) {
  return { ...covers(covered, section), timeout: 180_000 };
}

describe("room versions", () => {
  test("every advertised version can create a room, and the default is available", overVersions([endpoints.capabilities, endpoints.createRoom, endpoints.getEvent], "client-server-api/#mroom_versions-capability"), async ({ alice }) => {
    const caps = alice.must(await alice.call(endpoints.capabilities)).capabilities["m.room_versions"];
    expect(Object.keys(caps?.available ?? {})).toContain(caps?.default);
    await forEachVersion(alice, async (version) => {
      const roomId = await alice.mustCreateRoom({ room_version: version.id });
      const create = alice.must(await alice.call(endpoints.getStateEvent, { path: { roomId, eventType: "m.room.create", stateKey: "" } }));
      expect(create.room_version ?? "1").toBe(version.id);
    });
  });

  test("an unknown room version is 400 M_UNSUPPORTED_ROOM_VERSION", covers([endpoints.createRoom], "client-server-api/#post_matrixclientv3createroom"), async ({ alice }) => {
    expectMatrixError(await alice.call(endpoints.createRoom, { body: { room_version: "gauntlet.no.such.version" } }), 400, "M_UNSUPPORTED_ROOM_VERSION");
  });

  test("knocking works in every version from 7", overVersions([endpoints.knock, endpoints.sendState, endpoints.sync, endpoints.invite], "client-server-api/#knocking-on-rooms"), async ({ alice, bob }) => {
    await forEachVersion(alice, async (version) => {
      if (!version.knocking) return;
      const roomId = await alice.mustCreateRoom({ room_version: version.id, preset: "private_chat", initial_state: [{ type: "m.room.join_rules", state_key: "", content: { join_rule: "knock" } }] });
      expect(bob.must(await bob.call(endpoints.knock, { path: { roomIdOrAlias: roomId }, body: { reason: "let me in" } })).room_id).toBe(roomId);
      await bob.syncUntil(knockedOn(roomId));
      await alice.syncUntil(stateHas(roomId, { description: "bob's knock with its reason", matches: (e) => membershipOf(bob.userId, "knock").matches(e) && e.content.reason === "let me in" }));
      await alice.mustInvite(roomId, bob.userId);
      await bob.mustJoinRoom(roomId);
    });
  });

  test("knocking in a version before 7 is 403 M_FORBIDDEN", overVersions([endpoints.knock], "rooms/v7"), async ({ alice, bob }) => {
    await forEachVersion(alice, async (version) => {
      if (version.knocking) return;
      const roomId = await alice.mustCreateRoom({ room_version: version.id, preset: "private_chat", initial_state: [{ type: "m.room.join_rules", state_key: "", content: { join_rule: "knock" } }] });
      // Versions before 7 have no knock membership; the knock endpoint's refusal is 403.
      expectMatrixError(await bob.call(endpoints.knock, { path: { roomIdOrAlias: roomId }, body: {} }), 403, "M_FORBIDDEN");
    });
  });

  test("knocking on a room whose join rule is invite is 403 M_FORBIDDEN", covers([endpoints.knock], "client-server-api/#post_matrixclientv3knockroomidoralias"), async ({ alice, bob }) => {
    const roomId = await alice.mustCreateRoom({ preset: "private_chat" });
    expectMatrixError(await bob.call(endpoints.knock, { path: { roomIdOrAlias: roomId }, body: {} }), 403, "M_FORBIDDEN");
  });

  test("restricted joins admit members of the allowed room from version 8", overVersions([endpoints.join, endpoints.createRoom, endpoints.getEvent], "client-server-api/#restricted-rooms"), async ({ alice, bob }) => {
    await forEachVersion(alice, async (version) => {
      const space = await alice.mustCreateRoom({ room_version: version.id, preset: "public_chat" });
      const allow = [{ type: "m.room_membership", room_id: space }];
      const roomId = await alice.mustCreateRoom({ room_version: version.id, preset: "private_chat", initial_state: [{ type: "m.room.join_rules", state_key: "", content: { join_rule: "restricted", allow } }] });
      // Not yet in the allowed room: refused in every version.
      expectMatrixError(await bob.call(endpoints.join, { path: { roomIdOrAlias: roomId }, body: {} }), 403, "M_FORBIDDEN");
      await bob.mustJoinRoom(space);
      const res = await bob.call(endpoints.join, { path: { roomIdOrAlias: roomId }, body: {} });
      if (!version.restrictedJoins) {
        // Before version 8 `restricted` is an unknown join rule, which admits nobody uninvited.
        expectMatrixError(res, 403, "M_FORBIDDEN");
        return;
      }
      bob.must(res);
      const member = alice.must(await alice.call(endpoints.getStateEvent, { path: { roomId, eventType: "m.room.member", stateKey: bob.userId } }));
      // The join names the user whose server authorised it: rooms/v8, join_authorised_via_users_server.
      expect(member).toMatchObject({ membership: "join", join_authorised_via_users_server: alice.userId });
    });
  });

  test("power levels must be integers from version 10: 400 M_BAD_JSON", overVersions([endpoints.sendState], "rooms/v10#values-in-mroompower_levels-events-must-be-integers"), async ({ alice, bob }) => {
    await forEachVersion(alice, async (version) => {
      if (!version.integerPowerLevels) return;
      const roomId = await alice.mustCreateRoom({ room_version: version.id, preset: "private_chat" });
      const current = alice.must(await alice.call(endpoints.getStateEvent, { path: { roomId, eventType: "m.room.power_levels", stateKey: "" } }));
      const users = { ...(current.users as Record<string, unknown>), [bob.userId]: "50" };
      // Before version 10 the spec leaves string values to the server's discretion; only 10+ forbids them.
      expectMatrixError(await alice.call(endpoints.sendState, { path: { roomId, eventType: "m.room.power_levels", stateKey: "" }, body: { ...current, users } }), 400, "M_BAD_JSON");
      // The same change with an integer is accepted, so the refusal is about the type alone.
      alice.must(await alice.call(endpoints.sendState, { path: { roomId, eventType: "m.room.power_levels", stateKey: "" }, body: { ...current, users: { ...users, [bob.userId]: 50 } } }));
    });
  });

  test("redaction keeps the content keys of the version's algorithm", overVersions([endpoints.sendState, endpoints.redact, endpoints.getEvent], "client-server-api/#redactions"), async ({ alice }) => {
    await forEachVersion(alice, async (version) => {
      const roomId = await alice.mustCreateRoom({ room_version: version.id, preset: "public_chat" });
      const space = "!gauntletAllowed:example.org";
      const joinRules = await alice.mustSendState(roomId, "m.room.join_rules", "", { join_rule: "public", allow: [{ type: "m.room_membership", room_id: space }], "org.gauntlet.extra": 1 });
      const message = await alice.mustSendMessage(roomId, "to be redacted");
      alice.must(await alice.call(endpoints.redact, { path: { roomId, eventId: joinRules, txnId: newTxnId() }, body: {} }));
      alice.must(await alice.call(endpoints.redact, { path: { roomId, eventId: message, txnId: newTxnId() }, body: {} }));
      const redactedRules = alice.must(await alice.call(endpoints.getEvent, { path: { roomId, eventId: joinRules } }));
      // `allow` survives redaction from version 8 (rooms/v8#redactions); the extra key never does.
      expect(redactedRules.content).toEqual(version.redactionRules === "v1" || version.redactionRules === "v6" ? { join_rule: "public" } : { join_rule: "public", allow: [{ type: "m.room_membership", room_id: space }] });
      expect(alice.must(await alice.call(endpoints.getEvent, { path: { roomId, eventId: message } })).content).toEqual({});
    });
  });

  test("version 11 drops the creator key and version 12 room IDs have no server part", overVersions([endpoints.createRoom, endpoints.getEvent], "rooms/v12#room-ids"), async ({ alice }) => {
    await forEachVersion(alice, async (version) => {
      const roomId = await alice.mustCreateRoom({ room_version: version.id });
      const create = alice.must(await alice.call(endpoints.getStateEvent, { path: { roomId, eventType: "m.room.create", stateKey: "" } }));
      // rooms/v11: `creator` is removed; the sender of m.room.create is the creator.
      if (version.creatorIsCreateSender) expect(create.creator).toBeUndefined();
      else expect(create.creator).toBe(alice.userId);
      // rooms/v12: the room ID is the create event's reference hash, with no server name.
      if (version.roomIdIsCreateEventHash) expect(roomId).toMatch(/^![A-Za-z0-9_-]{43}$/);
      else expect(roomId).toMatch(/^![^:]+:.+$/);
    });
  });

  test("version 12 creators and additional_creators hold power outside the power levels", overVersions([endpoints.createRoom, endpoints.sendState], "rooms/v12#privileged-creators"), async ({ alice, bob }) => {
    await forEachVersion(alice, async (version) => {
      if (!version.privilegedCreators) return;
      const roomId = await alice.mustCreateRoom({ room_version: version.id, preset: "public_chat", creation_content: { additional_creators: [bob.userId] } });
      await bob.mustJoinRoom(roomId);
      const levels = alice.must(await alice.call(endpoints.getStateEvent, { path: { roomId, eventType: "m.room.power_levels", stateKey: "" } }));
      // Creators may not be listed in `users`: their power is infinite by the create event.
      expect(Object.keys((levels.users as Record<string, unknown> | undefined) ?? {})).not.toContain(alice.userId);
      expect(Object.keys((levels.users as Record<string, unknown> | undefined) ?? {})).not.toContain(bob.userId);
      bob.must(await bob.call(endpoints.sendState, { path: { roomId, eventType: "m.room.name", stateKey: "" }, body: { name: "set by an additional creator" } }));
    });
  });
});
