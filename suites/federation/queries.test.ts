import { randomBytes } from "node:crypto";
import { endpoints } from "../../src/client/endpoints.ts";
import { readUntil } from "../../src/client/poll.ts";
import { federationEndpoints as fed } from "../../src/federation/endpoints.ts";
import { expectMatrixError } from "../../src/client/matchers.ts";
import { covers, describe, expect, test } from "./peer-fixture.ts";

const unique = () => randomBytes(5).toString("hex");

describe("server version", () => {
  test("the homeserver names its implementation and version", covers([fed.version], "server-server-api/#get_matrixfederationv1version"), async ({ hs, peer }) => {
    // Unauthenticated: any server may ask.
    const remote = peer.to(hs);
    const body = remote.must(await remote.version());
    expect(typeof body.server.name).toBe("string");
    expect(typeof body.server.version).toBe("string");
  });
});

describe("queries", () => {
  test(
    "a directory query resolves a local alias to its room and servers in the room",
    covers([fed.queryDirectory], "server-server-api/#get_matrixfederationv1querydirectory"),
    async ({ alice, hs, peer }) => {
      const localpart = `fed-dir-${unique()}`;
      const roomId = await alice.mustCreateRoom({ preset: "public_chat", room_alias_name: localpart });
      const alias = `#${localpart}:${hs.serverName}`;
      const remote = peer.to(hs);
      const body = remote.must(await remote.queryDirectory(alias));
      expect(body.room_id).toBe(roomId);
      expect(body.servers).toContain(hs.serverName);
    },
  );

  test(
    "a directory query for an unknown alias is 404 M_NOT_FOUND",
    covers([fed.queryDirectory], "server-server-api/#get_matrixfederationv1querydirectory"),
    async ({ hs, peer }) => {
      const alias = `#nowhere-${unique()}:${hs.serverName}`;
      expectMatrixError(await peer.to(hs).queryDirectory(alias), 404, "M_NOT_FOUND");
    },
  );

  test(
    "the generic query endpoint answers the directory query type with the alias's room",
    covers([fed.query], "server-server-api/#get_matrixfederationv1queryquerytype"),
    async ({ alice, hs, peer }) => {
      // Query types are named in the path; `directory` takes `room_alias` (server-server-api/#querying-for-information).
      const localpart = `fed-query-${unique()}`;
      const roomId = await alice.mustCreateRoom({ preset: "public_chat", room_alias_name: localpart });
      const remote = peer.to(hs);
      const body = remote.must(await remote.call(fed.query, { path: { queryType: "directory" }, query: { room_alias: `#${localpart}:${hs.serverName}` } }));
      expect(body).toMatchObject({ room_id: roomId });
    },
  );

  test(
    "a profile query returns the user's display name, and only it when field=displayname",
    covers([fed.queryProfile], "server-server-api/#get_matrixfederationv1queryprofile"),
    async ({ alice, hs, peer }) => {
      alice.must(await alice.call(endpoints.setProfileField, { path: { userId: alice.userId, keyName: "displayname" }, body: { displayname: "Alice over federation" } }));
      const remote = peer.to(hs);
      expect(remote.must(await remote.queryProfile(alice.userId)).displayname).toBe("Alice over federation");
      // "If no field was specified, the response should include the fields of the user's profile that can be made public".
      expect(Object.keys(remote.must(await remote.queryProfile(alice.userId, "displayname")))).toEqual(["displayname"]);
    },
  );

  test(
    "a profile query for a user who does not exist is 404 M_NOT_FOUND",
    covers([fed.queryProfile], "server-server-api/#get_matrixfederationv1queryprofile"),
    async ({ hs, peer }) => {
      const userId = `@nobody-${unique()}:${hs.serverName}`;
      expectMatrixError(await peer.to(hs).queryProfile(userId), 404, "M_NOT_FOUND");
    },
  );
});

describe("public room directory", () => {
  test(
    "a published room appears in the room directory another server reads",
    covers([fed.publicRooms], "server-server-api/#get_matrixfederationv1publicrooms"),
    async ({ alice, hs, peer }) => {
      const roomId = await alice.mustCreateRoom({ preset: "public_chat", visibility: "public", name: `fed directory ${unique()}` });
      // The directory may lag behind the publication: read it until the room shows, bounded.
      const page = await readUntil(
        `${roomId} in the federation room directory`,
        async () => peer.to(hs).must(await peer.to(hs).publicRooms({ limit: 100 })),
        (body) => body.chunk.some((room) => room.room_id === roomId),
        { timeoutMs: 20_000 },
      );
      const entry = page.chunk.find((room) => room.room_id === roomId)!;
      expect(entry.num_joined_members).toBe(1);
      expect(entry.world_readable).toBe(false);
      expect(entry.guest_can_join).toBe(false);
    },
  );

  test(
    "a search of the room directory by another server filters on the search term",
    covers([fed.searchPublicRooms], "server-server-api/#post_matrixfederationv1publicrooms"),
    async ({ alice, hs, peer }) => {
      const term = `fedsearch${unique()}`;
      const roomId = await alice.mustCreateRoom({ preset: "public_chat", visibility: "public", name: `room ${term}` });
      await alice.mustCreateRoom({ preset: "public_chat", visibility: "public", name: `another room ${unique()}` });
      const page = await readUntil(
        `${roomId} in a filtered federation room directory`,
        async () => peer.to(hs).must(await peer.to(hs).searchPublicRooms({ limit: 10, filter: { generic_search_term: term } })),
        (body) => body.chunk.length > 0,
        { timeoutMs: 20_000 },
      );
      // Only rooms matching the term: the one room named with it.
      expect(page.chunk.map((room) => room.room_id)).toEqual([roomId]);
    },
  );
  test(
    "the room directory another server reads holds at most limit rooms, with next_batch while more follow",
    covers([fed.publicRooms], "server-server-api/#get_matrixfederationv1publicrooms"),
    async ({ alice, hs, peer }) => {
      const published = [
        await alice.mustCreateRoom({ preset: "public_chat", visibility: "public", name: `fed page ${unique()}` }),
        await alice.mustCreateRoom({ preset: "public_chat", visibility: "public", name: `fed page ${unique()}` }),
      ];
      const remote = peer.to(hs);
      // The directory may lag behind the publication: read it until both rooms show, bounded.
      await readUntil(
        "both rooms in the federation room directory",
        async () => remote.must(await remote.publicRooms({ limit: 100 })),
        (body) => published.every((roomId) => body.chunk.some((room) => room.room_id === roomId)),
        { timeoutMs: 20_000 },
      );
      const page = remote.must(await remote.publicRooms({ limit: 1 }));
      expect(page.chunk).toHaveLength(1);
      // "The absence of this token means there are no more results to fetch": here at least one more follows.
      expect(typeof page.next_batch, JSON.stringify(page)).toBe("string");
    },
  );
});

describe("space hierarchy", () => {
  test(
    "another server reads a public space with its child room",
    covers([fed.hierarchy], "server-server-api/#get_matrixfederationv1hierarchyroomid"),
    async ({ alice, hs, peer }) => {
      const childId = await alice.mustCreateRoom({ preset: "public_chat", name: "child room" });
      const spaceId = await alice.mustCreateRoom({
        preset: "public_chat",
        name: "fed space",
        creation_content: { type: "m.space" },
        initial_state: [{ type: "m.space.child", state_key: childId, content: { via: [hs.serverName] } }],
      });
      const remote = peer.to(hs);
      const body = remote.must(await remote.hierarchy(spaceId));
      expect(body.room.room_id).toBe(spaceId);
      expect(body.room.room_type).toBe("m.space");
      expect(body.room.children_state.map((event) => [event.type, event.state_key])).toEqual([["m.space.child", childId]]);
      expect(body.children.map((child) => child.room_id)).toEqual([childId]);
      expect(body.inaccessible_children).toEqual([]);
    },
  );

  test(
    "the hierarchy of a room the homeserver does not know is 404",
    covers([fed.hierarchy], "server-server-api/#get_matrixfederationv1hierarchyroomid"),
    async ({ hs, peer }) => {
      const unknown = `!unknown-${unique()}:${hs.serverName}`;
      // The spec mandates the status; its M_NOT_FOUND is only an example, so any standard error body will do.
      expectMatrixError(await peer.to(hs).hierarchy(unknown), 404);
    },
  );
});

describe("OpenID", () => {
  test(
    "an OpenID token a user requested identifies that user to another server",
    covers([fed.openIdUserInfo, endpoints.openIdToken], "server-server-api/#openid"),
    async ({ alice, hs, peer }) => {
      const token = alice.must(await alice.call(endpoints.openIdToken, { path: { userId: alice.userId }, body: {} }));
      expect(token.matrix_server_name).toBe(hs.serverName);
      // Authenticated by the token alone, not X-Matrix.
      const remote = peer.to(hs);
      expect(remote.must(await remote.openIdUserInfo(token.access_token)).sub).toBe(alice.userId);
    },
  );

  test(
    "an unknown OpenID token is 401 M_UNKNOWN_TOKEN",
    covers([fed.openIdUserInfo], "server-server-api/#get_matrixfederationv1openiduserinfo"),
    async ({ hs, peer }) => {
      expectMatrixError(await peer.to(hs).openIdUserInfo(`not-a-token-${unique()}`), 401, "M_UNKNOWN_TOKEN");
    },
  );
});
