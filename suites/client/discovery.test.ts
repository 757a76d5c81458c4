import { endpoints } from "../../src/client/endpoints.ts";
import { expect } from "vitest";
import { MatrixClient } from "../../src/client/client.ts";
import { expectMatrixError } from "../../src/client/matchers.ts";
import { covers, describe, test } from "../fixtures.ts";

describe("versions", () => {
  test("lists the spec versions the server supports", covers([endpoints.versions], "client-server-api/#get_matrixclientversions"), async ({ anonymous }) => {
    const versions = anonymous.must(await anonymous.call(endpoints.versions, { auth: false }));
    // A server must name at least one stable version; clients pick the newest they share.
    expect(versions.versions.length).toBeGreaterThan(0);
    expect(versions.versions.some((v) => v.startsWith("v1."))).toBe(true);
  });

  test("answers without an access token", covers([endpoints.versions], "client-server-api/#get_matrixclientversions"), async ({ anonymous }) => {
    // The endpoint is listed as requiring no authentication, so clients can call it before login.
    const response = await anonymous.call(endpoints.versions, { auth: false });
    expect(response.status).toBe(200);
  });
});

describe(".well-known discovery", () => {
  test("points clients at the homeserver base URL", covers([endpoints.wellKnownClient], "client-server-api/#getwell-knownmatrixclient"), async ({ anonymous, requests }) => {
    const response = await anonymous.call(endpoints.wellKnownClient, { auth: false });
    const wellKnown = anonymous.must(response);
    const baseUrl = new URL(wellKnown["m.homeserver"].base_url);
    // The advertised base URL must itself serve the client-server API (client-server-api/#well-known-uris).
    expect(baseUrl.protocol).toMatch(/^https?:$/);
    const probe = await new MatrixClient({ baseUrl: baseUrl.toString(), log: requests }).call(endpoints.versions, { auth: false });
    expect(probe.status).toBe(200);
  });
});

describe("capabilities", () => {
  test("advertises the default and available room versions", covers([endpoints.capabilities], "client-server-api/#mroom_versions-capability"), async ({ alice }) => {
    const { capabilities } = alice.must(await alice.call(endpoints.capabilities));
    const roomVersions = capabilities["m.room_versions"];
    expect(roomVersions).toBeDefined();
    // The default room version must be one of the available versions, and stable.
    expect(roomVersions?.available[roomVersions.default]).toBe("stable");
  });

  test("requires an access token: 401 M_MISSING_TOKEN", covers([endpoints.capabilities], "client-server-api/#get_matrixclientv3capabilities"), async ({ anonymous }) => {
    expectMatrixError(await anonymous.call(endpoints.capabilities), 401, "M_MISSING_TOKEN");
  });
});
