import { randomBytes } from "node:crypto";
import { expect } from "vitest";
import { endpoints } from "../../src/client/endpoints.ts";
import { expectMatrixError } from "../../src/client/matchers.ts";
import { readUntil } from "../../src/client/poll.ts";
import { covers, describe, test } from "../fixtures.ts";

const unique = () => randomBytes(4).toString("hex");

describe("room aliases", () => {
  test("an alias is created, resolved, listed and deleted", covers([endpoints.setAlias, endpoints.resolveAlias, endpoints.roomAliases, endpoints.deleteAlias], "client-server-api/#room-aliases"), async ({ alice, bob, hs, publicRoom }) => {
    const alias = `#gauntlet-${unique()}:${hs.serverName}`;
    alice.must(await alice.call(endpoints.setAlias, { path: { roomAlias: alias }, body: { room_id: publicRoom } }));
    expect(bob.must(await bob.call(endpoints.resolveAlias, { path: { roomAlias: alias } })).room_id).toBe(publicRoom);
    expect(alice.must(await alice.call(endpoints.roomAliases, { path: { roomId: publicRoom } })).aliases).toContain(alias);
    alice.must(await alice.call(endpoints.deleteAlias, { path: { roomAlias: alias } }));
    expectMatrixError(await bob.call(endpoints.resolveAlias, { path: { roomAlias: alias } }), 404, "M_NOT_FOUND");
  });

  test("an alias that is taken is 409", covers([endpoints.setAlias], "client-server-api/#put_matrixclientv3directoryroomroomalias"), async ({ alice, hs, publicRoom }) => {
    const alias = `#gauntlet-${unique()}:${hs.serverName}`;
    alice.must(await alice.call(endpoints.setAlias, { path: { roomAlias: alias }, body: { room_id: publicRoom } }));
    const res = await alice.call(endpoints.setAlias, { path: { roomAlias: alias }, body: { room_id: publicRoom } });
    // "409: A room alias with that name already exists"; the spec gives no errcode.
    expectMatrixError(res, 409);
  });

  test("deleting someone else's alias is 403 M_FORBIDDEN and an unknown alias is M_NOT_FOUND", covers([endpoints.deleteAlias], "client-server-api/#delete_matrixclientv3directoryroomroomalias"), async ({ alice, bob, hs, publicRoom }) => {
    const alias = `#gauntlet-${unique()}:${hs.serverName}`;
    alice.must(await alice.call(endpoints.setAlias, { path: { roomAlias: alias }, body: { room_id: publicRoom } }));
    await bob.mustJoinRoom(publicRoom);
    expectMatrixError(await bob.call(endpoints.deleteAlias, { path: { roomAlias: alias } }), 403, "M_FORBIDDEN");
    expectMatrixError(await alice.call(endpoints.deleteAlias, { path: { roomAlias: `#gauntlet-none-${unique()}:${hs.serverName}` } }), 404, "M_NOT_FOUND");
  });

  test("listing the aliases of a private room one is not in is 403 M_FORBIDDEN", covers([endpoints.roomAliases], "client-server-api/#get_matrixclientv3roomsroomidaliases"), async ({ alice, bob }) => {
    const roomId = await alice.mustCreateRoom({ preset: "private_chat" });
    expectMatrixError(await bob.call(endpoints.roomAliases, { path: { roomId } }), 403, "M_FORBIDDEN");
  });
});

describe("public room directory", () => {
  test("a room published to the directory is listed and found by a search term", covers([endpoints.setVisibility, endpoints.getVisibility, endpoints.publicRooms, endpoints.searchPublicRooms], "client-server-api/#listing-rooms"), async ({ alice, bob }) => {
    const name = `gauntlet directory ${unique()}`;
    const roomId = await alice.mustCreateRoom({ preset: "public_chat", name, topic: "listed" });
    expect(alice.must(await alice.call(endpoints.getVisibility, { path: { roomId } })).visibility).toBe("private");
    alice.must(await alice.call(endpoints.setVisibility, { path: { roomId }, body: { visibility: "public" } }));
    expect(bob.must(await bob.call(endpoints.getVisibility, { path: { roomId } })).visibility).toBe("public");
    // The room list may lag behind a publication (it is built from room statistics in Synapse).
    const found = await readUntil(`${roomId} found by its name`, async () => bob.must(await bob.call(endpoints.searchPublicRooms, { body: { filter: { generic_search_term: name }, limit: 5 } })), (r) => r.chunk.length > 0);
    expect(found.chunk.map((r) => r.room_id)).toEqual([roomId]);
    expect(found.chunk[0]).toMatchObject({ name, topic: "listed", num_joined_members: 1, world_readable: false });
    const page = bob.must(await bob.call(endpoints.publicRooms, { query: { limit: 500 } }));
    expect(page.chunk.some((r) => r.room_id === roomId)).toBe(true);
  });

  test("the public list pages with next_batch", covers([endpoints.publicRooms], "client-server-api/#get_matrixclientv3publicrooms"), async ({ alice }) => {
    for (let i = 0; i < 2; i += 1) {
      const roomId = await alice.mustCreateRoom({ preset: "public_chat" });
      alice.must(await alice.call(endpoints.setVisibility, { path: { roomId }, body: { visibility: "public" } }));
    }
    const first = await readUntil("a first page of one room with a next_batch", async () => alice.must(await alice.call(endpoints.publicRooms, { query: { limit: 1 } })), (page) => page.next_batch !== undefined);
    expect(first.chunk).toHaveLength(1);
    expect(first.next_batch).toEqual(expect.any(String));
    const second = alice.must(await alice.call(endpoints.publicRooms, { query: { limit: 1, since: first.next_batch } }));
    expect(second.chunk[0]?.room_id).not.toBe(first.chunk[0]?.room_id);
  });

  test("publishing someone else's room is 403 M_FORBIDDEN", covers([endpoints.setVisibility], "client-server-api/#put_matrixclientv3directorylistroomroomid"), async ({ bob, publicRoom }) => {
    await bob.mustJoinRoom(publicRoom);
    expectMatrixError(await bob.call(endpoints.setVisibility, { path: { roomId: publicRoom }, body: { visibility: "public" } }), 403, "M_FORBIDDEN");
  });

  test("the visibility of an unknown room is M_NOT_FOUND", covers([endpoints.getVisibility], "client-server-api/#get_matrixclientv3directorylistroomroomid"), async ({ alice, hs }) => {
    expectMatrixError(await alice.call(endpoints.getVisibility, { path: { roomId: `!gauntletNoRoom:${hs.serverName}` } }), 404, "M_NOT_FOUND");
  });

  test("a malformed search filter is 400", covers([endpoints.searchPublicRooms], "client-server-api/#post_matrixclientv3publicrooms"), async ({ alice }) => {
    // A body that breaks the request schema is a bad request; the endpoint gives no errcode for it.
    expectMatrixError(await alice.call(endpoints.searchPublicRooms, { body: { limit: "many" } }), 400);
  });

  test("the directory of a server that does not answer is an error", covers([endpoints.publicRooms], "client-server-api/#get_matrixclientv3publicrooms"), async ({ alice }) => {
    // 127.0.0.1:9 (discard) on loopback refuses the federation request; the error reaches the client.
    const res = await alice.call(endpoints.publicRooms, { query: { server: "127.0.0.1:9", limit: 1 } });
    expect(res.ok).toBe(false);
  });
});

describe("user directory", () => {
  // The test's deadline covers the catch-up's 90 s and the search's 30 s.
  test("a user sharing a room is found by display name", { ...covers([endpoints.userDirectory, endpoints.setProfileField], "client-server-api/#user-directory"), timeout: 150_000 }, async ({ hs, alice, bob, publicRoom }) => {
    const name = `Gauntlet${unique()}`;
    await bob.mustJoinRoom(publicRoom);
    bob.must(await bob.call(endpoints.setProfileField, { path: { userId: bob.userId, keyName: "displayname" }, body: { displayname: name } }));
    // The directory is updated asynchronously from room membership and profile changes. Under
    // the state changes of a full run, Synapse's updater fell more than 1,500 changes (30 s)
    // behind: the profile waits out that backlog, then the search gets 30 s (at most 120 reads).
    await hs.caughtUp(90_000);
    const found = await readUntil(`${bob.userId} in the user directory as ${name}`, async () => alice.must(await alice.call(endpoints.userDirectory, { body: { search_term: name, limit: 5 } })), (r) => r.results.some((u) => u.user_id === bob.userId), { timeoutMs: 30_000, maxAttempts: 120 });
    expect(found.results.find((u) => u.user_id === bob.userId)?.display_name).toBe(name);
  });

  test("a search without search_term is 400", covers([endpoints.userDirectory], "client-server-api/#post_matrixclientv3user_directorysearch"), async ({ alice }) => {
    // search_term is required; the endpoint gives no errcode for its absence.
    expectMatrixError(await alice.call(endpoints.userDirectory, { body: { limit: 5 } }), 400);
  });
});
