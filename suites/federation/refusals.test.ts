import { randomBytes } from "node:crypto";
import { expectMatrixError } from "../../src/client/matchers.ts";
import type { HttpMethod } from "../../src/client/endpoint.ts";
import { federationEndpoints as fed, type FederationEndpoint } from "../../src/federation/endpoints.ts";
import type { FederationCallOptions } from "../../src/federation/remote-server.ts";
import { covers, describe, test } from "./peer-fixture.ts";

const unique = () => randomBytes(5).toString("hex");

/** A signed endpoint and a request to it that would otherwise be answered. */
interface SignedCase {
  name: string;
  ep: FederationEndpoint;
  section: string;
  request: (hsName: string, userId: string) => FederationCallOptions;
}

const signedCases: SignedCase[] = [
  {
    name: "GET /event",
    ep: fed.getEvent,
    section: "server-server-api/#get_matrixfederationv1eventeventid",
    request: () => ({ path: { eventId: `$gauntlet${unique()}` } }),
  },
  {
    name: "PUT /v1/invite",
    ep: fed.inviteV1,
    section: "server-server-api/#put_matrixfederationv1inviteroomideventid",
    request: (hsName, userId) => ({
      path: { roomId: `!room${unique()}:${hsName}`, eventId: `$invite${unique()}` },
      body: { type: "m.room.member", state_key: userId, sender: `@someone:${hsName}`, content: { membership: "invite" } },
    }),
  },
  {
    name: "GET /publicRooms",
    ep: fed.publicRooms,
    section: "server-server-api/#get_matrixfederationv1publicrooms",
    request: () => ({ query: { limit: 5 } }),
  },
  {
    name: "POST /publicRooms",
    ep: fed.searchPublicRooms,
    section: "server-server-api/#post_matrixfederationv1publicrooms",
    request: () => ({ body: { limit: 5 } }),
  },
  {
    name: "GET /user/devices",
    ep: fed.userDevices,
    section: "server-server-api/#get_matrixfederationv1userdevicesuserid",
    request: (_, userId) => ({ path: { userId } }),
  },
  {
    name: "POST /user/keys/query",
    ep: fed.keysQuery,
    section: "server-server-api/#post_matrixfederationv1userkeysquery",
    request: (_, userId) => ({ body: { device_keys: { [userId]: [] } } }),
  },
  {
    name: "POST /user/keys/claim",
    ep: fed.keysClaim,
    section: "server-server-api/#post_matrixfederationv1userkeysclaim",
    request: (_, userId) => ({ body: { one_time_keys: { [userId]: { DEVICE: "signed_curve25519" } } } }),
  },
];

describe("requests signed for another destination", () => {
  // "If this property is included, but the value does not match the receiving server's name, the
  // receiving server must deny the request with an HTTP status code 401 Unauthorized." No errcode is named.
  for (const c of signedCases) {
    test(`${c.name} signed for another destination is 401`, covers([c.ep], "server-server-api/#request-authentication"), async ({ alice, hs, peer }) => {
      const response = await peer.to(hs).call(c.ep, { ...c.request(hs.serverName, alice.userId), auth: { destination: "elsewhere.invalid" } });
      expectMatrixError(response, 401);
    });
  }
});

describe("unsupported methods", () => {
  // "a 405 M_UNRECOGNIZED error is used to denote an unsupported method to a known endpoint" (server-server-api/#unsupported-endpoints).
  const cases: { name: string; ep: FederationEndpoint; method: HttpMethod; path?: Record<string, string> }[] = [
    { name: "/_matrix/federation/v1/version", ep: fed.version, method: "DELETE" },
    { name: "/_matrix/key/v2/server", ep: fed.serverKeys, method: "DELETE" },
    { name: "/_matrix/key/v2/query/{serverName}", ep: fed.notaryQuery, method: "DELETE", path: { serverName: "example.org" } },
    { name: "/_matrix/key/v2/query", ep: fed.notaryBatchQuery, method: "DELETE" },
  ];
  for (const c of cases) {
    test(`${c.method} on ${c.name} is 405 M_UNRECOGNIZED`, covers([c.ep], "server-server-api/#unsupported-endpoints"), async ({ hs, peer }) => {
      const response = await peer.to(hs).call(c.ep, { method: c.method, ...(c.path ? { path: c.path } : {}) });
      expectMatrixError(response, 405, "M_UNRECOGNIZED");
    });
  }
});

describe("generic queries", () => {
  test(
    "the generic query endpoint answers a directory query for an unknown alias with 404 M_NOT_FOUND",
    covers([fed.query], "server-server-api/#get_matrixfederationv1querydirectory"),
    async ({ hs, peer }) => {
      // The directory query type's own refusal: "There is no mapped room ID for this room alias."
      const response = await peer.to(hs).call(fed.query, { path: { queryType: "directory" }, query: { room_alias: `#nowhere-${unique()}:${hs.serverName}` } });
      expectMatrixError(response, 404, "M_NOT_FOUND");
    },
  );
});
