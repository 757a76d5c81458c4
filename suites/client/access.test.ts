import { expect } from "vitest";
import { endpointName } from "../../src/client/endpoint.ts";
import { endpoints } from "../../src/client/endpoints.ts";
import { expectMatrixError } from "../../src/client/matchers.ts";
import { covers, describe, test } from "../fixtures.ts";

// Refusals the spec prescribes for requests without a token or by users without the right:
// client-server-api/#client-authentication and the 403s of the room endpoints.

describe("requests without an access token", () => {
  for (const [ep, body] of [
    [endpoints.logout, {}],
    [endpoints.logoutAll, {}],
    [endpoints.joinedRooms, undefined],
    [endpoints.devices, undefined],
    [endpoints.sync, undefined],
    [endpoints.createRoom, {}],
  ] as const) {
    test(`${endpointName(ep)} without a token is 401 M_MISSING_TOKEN`, covers([ep], "client-server-api/#client-authentication"), async ({ anonymous }) => {
      expectMatrixError(await anonymous.call(ep, { auth: false, ...(body ? { body } : {}) }), 401, "M_MISSING_TOKEN");
    });
  }

  test("an unknown access token is 401 M_UNKNOWN_TOKEN", covers([endpoints.sync], "client-server-api/#client-authentication"), async ({ anonymous }) => {
    const stranger = anonymous.withCredentials({ accessToken: "gauntlet-not-a-token" });
    expectMatrixError(await stranger.call(endpoints.sync), 401, "M_UNKNOWN_TOKEN");
  });
});

describe("room actions without the right", () => {
  test("joining an invite-only room by its ID is 403 M_FORBIDDEN", covers([endpoints.joinById], "client-server-api/#post_matrixclientv3roomsroomidjoin"), async ({ alice, bob }) => {
    const roomId = await alice.mustCreateRoom({ preset: "private_chat" });
    expectMatrixError(await bob.call(endpoints.joinById, { path: { roomId }, body: {} }), 403, "M_FORBIDDEN");
  });

  test("unbanning without power is 403 M_FORBIDDEN", covers([endpoints.ban, endpoints.unban], "client-server-api/#post_matrixclientv3roomsroomidunban"), async ({ alice, bob, charlie, publicRoom }) => {
    await bob.mustJoinRoom(publicRoom);
    alice.must(await alice.call(endpoints.ban, { path: { roomId: publicRoom }, body: { user_id: charlie.userId } }));
    expectMatrixError(await bob.call(endpoints.unban, { path: { roomId: publicRoom }, body: { user_id: charlie.userId } }), 403, "M_FORBIDDEN");
  });

  test("the full state of a private room one is not in is 403 M_FORBIDDEN", covers([endpoints.getState], "client-server-api/#get_matrixclientv3roomsroomidstate"), async ({ alice, bob }) => {
    const roomId = await alice.mustCreateRoom({ preset: "private_chat" });
    expectMatrixError(await bob.call(endpoints.getState, { path: { roomId } }), 403, "M_FORBIDDEN");
  });

  test("leaving a room one was never in is 403 M_FORBIDDEN", covers([endpoints.leave], "client-server-api/#post_matrixclientv3roomsroomidleave"), async ({ alice, bob }) => {
    const roomId = await alice.mustCreateRoom({ preset: "private_chat" });
    const res = await bob.call(endpoints.leave, { path: { roomId }, body: {} });
    // No membership to change: the server refuses rather than inventing a leave event. The endpoint
    // lists no status for this; the refusal of a forbidden action is 403 M_FORBIDDEN (client-server-api/#standard-error-response).
    expectMatrixError(res, 403, "M_FORBIDDEN");
  });

  test("deleting another user's profile field is 403 M_FORBIDDEN", covers([endpoints.deleteProfileField], "client-server-api/#delete_matrixclientv3profileuseridkeyname"), async ({ alice, bob }) => {
    const res = await alice.call(endpoints.deleteProfileField, { path: { userId: bob.userId, keyName: "displayname" } });
    // "403: The user is not authorised to delete this profile field." (DELETE /profile/{userId}/{keyName}).
    expectMatrixError(res, 403, "M_FORBIDDEN");
  });

  test("an unknown key backup version is M_NOT_FOUND", covers([endpoints.getBackupVersion], "client-server-api/#get_matrixclientv3room_keysversionversion"), async ({ alice }) => {
    expectMatrixError(await alice.call(endpoints.getBackupVersion, { path: { version: "424244" } }), 404, "M_NOT_FOUND");
  });

  test("an unknown login type is 400", covers([endpoints.login], "client-server-api/#post_matrixclientv3login"), async ({ anonymous }) => {
    // "400: Part of the request was invalid. For example, the login type may not be recognised." (no errcode fixed)
    expect((await anonymous.call(endpoints.login, { body: { type: "org.gauntlet.unknown" }, auth: false })).status).toBe(400);
  });
});
