import { randomBytes } from "node:crypto";
import { endpoints } from "../../src/client/endpoints.ts";
import { readUntil } from "../../src/client/poll.ts";
import {
  directoryQueryResponse,
  hierarchyResponse,
  mustBeError,
  mustMatch,
  openIdUserInfoResponse,
  profileQueryResponse,
  publicRoomsResponse,
  versionResponse,
} from "../../src/federation/schemas.ts";
import { covers, describe, expect, test } from "./peer-fixture.ts";

const VERSION = "GET /_matrix/federation/v1/version";
const QUERY = "GET /_matrix/federation/v1/query/{queryType}";
const QUERY_DIRECTORY = "GET /_matrix/federation/v1/query/directory";
const QUERY_PROFILE = "GET /_matrix/federation/v1/query/profile";
const PUBLIC_ROOMS = "GET /_matrix/federation/v1/publicRooms";
const SEARCH_PUBLIC_ROOMS = "POST /_matrix/federation/v1/publicRooms";
const HIERARCHY = "GET /_matrix/federation/v1/hierarchy/{roomId}";
const USERINFO = "GET /_matrix/federation/v1/openid/userinfo";
const OPENID_TOKEN = "POST /_matrix/client/v3/user/{userId}/openid/request_token";

const unique = () => randomBytes(5).toString("hex");

describe("server version", () => {
  test("the homeserver names its implementation and version", covers([VERSION], "server-server-api/#get_matrixfederationv1version"), async ({ hs, peer }) => {
    // Unauthenticated: any server may ask.
    const response = await peer.client.get(hs.serverName, "/_matrix/federation/v1/version");
    expect(response.status, response.text).toBe(200);
    const body = mustMatch(versionResponse, response.json, "GET /version");
    expect(typeof body.server.name).toBe("string");
    expect(typeof body.server.version).toBe("string");
  });
});

describe("queries", () => {
  test(
    "a directory query resolves a local alias to its room and servers in the room",
    covers([QUERY_DIRECTORY], "server-server-api/#get_matrixfederationv1querydirectory"),
    async ({ alice, hs, peer }) => {
      const localpart = `fed-dir-${unique()}`;
      const roomId = await alice.mustCreateRoom({ preset: "public_chat", room_alias_name: localpart });
      const alias = `#${localpart}:${hs.serverName}`;
      const response = await peer.client.request(hs.serverName, "GET", `/_matrix/federation/v1/query/directory?room_alias=${encodeURIComponent(alias)}`);
      expect(response.status, response.text).toBe(200);
      const body = mustMatch(directoryQueryResponse, response.json, "GET /query/directory");
      expect(body.room_id).toBe(roomId);
      expect(body.servers).toContain(hs.serverName);
    },
  );

  test(
    "a directory query for an unknown alias is 404 M_NOT_FOUND",
    covers([QUERY_DIRECTORY], "server-server-api/#get_matrixfederationv1querydirectory"),
    async ({ hs, peer }) => {
      const alias = `#nowhere-${unique()}:${hs.serverName}`;
      mustBeError(await peer.client.request(hs.serverName, "GET", `/_matrix/federation/v1/query/directory?room_alias=${encodeURIComponent(alias)}`), 404, "M_NOT_FOUND");
    },
  );

  test(
    "the generic query endpoint answers the directory query type with the alias's room",
    covers([QUERY], "server-server-api/#get_matrixfederationv1queryquerytype"),
    async ({ alice, hs, peer }) => {
      // Query types are named in the path; `directory` takes `room_alias` (server-server-api/#querying-for-information).
      const localpart = `fed-query-${unique()}`;
      const roomId = await alice.mustCreateRoom({ preset: "public_chat", room_alias_name: localpart });
      const response = await peer.client.request(hs.serverName, "GET", `/_matrix/federation/v1/query/directory?room_alias=${encodeURIComponent(`#${localpart}:${hs.serverName}`)}`);
      expect(response.status, response.text).toBe(200);
      expect(mustMatch(directoryQueryResponse, response.json, "GET /query/directory").room_id).toBe(roomId);
    },
  );

  test(
    "a profile query returns the user's display name, and only it when field=displayname",
    covers([QUERY_PROFILE], "server-server-api/#get_matrixfederationv1queryprofile"),
    async ({ alice, hs, peer }) => {
      alice.must(await alice.call(endpoints.setProfileField, { path: { userId: alice.userId, keyName: "displayname" }, body: { displayname: "Alice over federation" } }));
      const all = await peer.client.request(hs.serverName, "GET", `/_matrix/federation/v1/query/profile?user_id=${encodeURIComponent(alice.userId!)}`);
      expect(all.status, all.text).toBe(200);
      expect(mustMatch(profileQueryResponse, all.json, "GET /query/profile").displayname).toBe("Alice over federation");
      const one = await peer.client.request(hs.serverName, "GET", `/_matrix/federation/v1/query/profile?user_id=${encodeURIComponent(alice.userId!)}&field=displayname`);
      expect(one.status, one.text).toBe(200);
      // "If no field was specified, the response should include the fields of the user's profile that can be made public".
      expect(Object.keys(mustMatch(profileQueryResponse, one.json, "GET /query/profile?field=displayname"))).toEqual(["displayname"]);
    },
  );

  test(
    "a profile query for a user who does not exist is 404 M_NOT_FOUND",
    covers([QUERY_PROFILE], "server-server-api/#get_matrixfederationv1queryprofile"),
    async ({ hs, peer }) => {
      const userId = `@nobody-${unique()}:${hs.serverName}`;
      mustBeError(await peer.client.request(hs.serverName, "GET", `/_matrix/federation/v1/query/profile?user_id=${encodeURIComponent(userId)}`), 404, "M_NOT_FOUND");
    },
  );
});

describe("public room directory", () => {
  test(
    "a published room appears in the room directory another server reads",
    covers([PUBLIC_ROOMS], "server-server-api/#get_matrixfederationv1publicrooms"),
    async ({ alice, hs, peer }) => {
      const roomId = await alice.mustCreateRoom({ preset: "public_chat", visibility: "public", name: `fed directory ${unique()}` });
      // The directory may lag behind the publication: read it until the room shows, bounded.
      const page = await readUntil(
        `${roomId} in the federation room directory`,
        async () => {
          const response = await peer.client.request(hs.serverName, "GET", "/_matrix/federation/v1/publicRooms?limit=100");
          expect(response.status, response.text).toBe(200);
          return mustMatch(publicRoomsResponse, response.json, "GET /publicRooms");
        },
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
    covers([SEARCH_PUBLIC_ROOMS], "server-server-api/#post_matrixfederationv1publicrooms"),
    async ({ alice, hs, peer }) => {
      const term = `fedsearch${unique()}`;
      const roomId = await alice.mustCreateRoom({ preset: "public_chat", visibility: "public", name: `room ${term}` });
      await alice.mustCreateRoom({ preset: "public_chat", visibility: "public", name: `another room ${unique()}` });
      const page = await readUntil(
        `${roomId} in a filtered federation room directory`,
        async () => {
          const response = await peer.client.request(hs.serverName, "POST", "/_matrix/federation/v1/publicRooms", { limit: 10, filter: { generic_search_term: term } });
          expect(response.status, response.text).toBe(200);
          return mustMatch(publicRoomsResponse, response.json, "POST /publicRooms");
        },
        (body) => body.chunk.length > 0,
        { timeoutMs: 20_000 },
      );
      // Only rooms matching the term: the one room named with it.
      expect(page.chunk.map((room) => room.room_id)).toEqual([roomId]);
    },
  );
});

describe("space hierarchy", () => {
  test(
    "another server reads a public space with its child room",
    covers([HIERARCHY], "server-server-api/#get_matrixfederationv1hierarchyroomid"),
    async ({ alice, hs, peer }) => {
      const childId = await alice.mustCreateRoom({ preset: "public_chat", name: "child room" });
      const spaceId = await alice.mustCreateRoom({
        preset: "public_chat",
        name: "fed space",
        creation_content: { type: "m.space" },
        initial_state: [{ type: "m.space.child", state_key: childId, content: { via: [hs.serverName] } }],
      });
      const response = await peer.client.request(hs.serverName, "GET", `/_matrix/federation/v1/hierarchy/${encodeURIComponent(spaceId)}`);
      expect(response.status, response.text).toBe(200);
      const body = mustMatch(hierarchyResponse, response.json, "GET /hierarchy");
      expect(body.room.room_id).toBe(spaceId);
      expect(body.room.room_type).toBe("m.space");
      expect(body.room.children_state.map((event) => [event.type, event.state_key])).toEqual([["m.space.child", childId]]);
      expect(body.children.map((child) => child.room_id)).toEqual([childId]);
      expect(body.inaccessible_children).toEqual([]);
    },
  );

  test(
    "the hierarchy of a room the homeserver does not know is 404",
    covers([HIERARCHY], "server-server-api/#get_matrixfederationv1hierarchyroomid"),
    async ({ hs, peer }) => {
      const unknown = `!unknown-${unique()}:${hs.serverName}`;
      // The spec mandates the status; its M_NOT_FOUND is only an example, so any standard error body will do.
      mustBeError(await peer.client.request(hs.serverName, "GET", `/_matrix/federation/v1/hierarchy/${encodeURIComponent(unknown)}`), 404);
    },
  );
});

describe("OpenID", () => {
  test(
    "an OpenID token a user requested identifies that user to another server",
    covers([USERINFO, OPENID_TOKEN], "server-server-api/#openid"),
    async ({ alice, hs, peer }) => {
      const token = alice.must(await alice.call(endpoints.openIdToken, { path: { userId: alice.userId }, body: {} }));
      expect(token.matrix_server_name).toBe(hs.serverName);
      // Authenticated by the token alone, not X-Matrix.
      const response = await peer.client.get(hs.serverName, `/_matrix/federation/v1/openid/userinfo?access_token=${encodeURIComponent(token.access_token)}`);
      expect(response.status, response.text).toBe(200);
      expect(mustMatch(openIdUserInfoResponse, response.json, "GET /openid/userinfo").sub).toBe(alice.userId);
    },
  );

  test(
    "an unknown OpenID token is 401 M_UNKNOWN_TOKEN",
    covers([USERINFO], "server-server-api/#get_matrixfederationv1openiduserinfo"),
    async ({ hs, peer }) => {
      mustBeError(await peer.client.get(hs.serverName, `/_matrix/federation/v1/openid/userinfo?access_token=not-a-token-${unique()}`), 401, "M_UNKNOWN_TOKEN");
    },
  );
});
