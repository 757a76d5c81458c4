import { expect } from "vitest";
import { endpoints } from "../../src/client/endpoints.ts";
import { expectMatrixError } from "../../src/client/matchers.ts";
import { membershipOf, stateHas } from "../../src/client/sync.ts";
import { covers, describe, test } from "../fixtures.ts";

describe("profile", () => {
  test("display name and avatar are set and read back", covers([endpoints.setProfileField, endpoints.getProfileField, endpoints.profile], "client-server-api/#profiles"), async ({ alice, bob }) => {
    alice.must(await alice.call(endpoints.setProfileField, { path: { userId: alice.userId, keyName: "displayname" }, body: { displayname: "Alice Gauntlet" } }));
    alice.must(await alice.call(endpoints.setProfileField, { path: { userId: alice.userId, keyName: "avatar_url" }, body: { avatar_url: "mxc://example.org/avatar" } }));
    expect(bob.must(await bob.call(endpoints.getProfileField, { path: { userId: alice.userId, keyName: "displayname" } }))).toEqual({ displayname: "Alice Gauntlet" });
    expect(bob.must(await bob.call(endpoints.profile, { path: { userId: alice.userId } }))).toMatchObject({ displayname: "Alice Gauntlet", avatar_url: "mxc://example.org/avatar" });
  });

  test("a custom field is set, read and deleted", covers([endpoints.setProfileField, endpoints.getProfileField, endpoints.deleteProfileField], "client-server-api/#profiles"), async ({ alice }) => {
    const path = { userId: alice.userId, keyName: "org.gauntlet.pronouns" };
    alice.must(await alice.call(endpoints.setProfileField, { path, body: { "org.gauntlet.pronouns": "they/them" } }));
    expect(alice.must(await alice.call(endpoints.getProfileField, { path }))).toEqual({ "org.gauntlet.pronouns": "they/them" });
    alice.must(await alice.call(endpoints.deleteProfileField, { path }));
    expectMatrixError(await alice.call(endpoints.getProfileField, { path }), 404, "M_NOT_FOUND");
  });

  test("a profile change reaches the user's rooms as a membership event", covers([endpoints.setProfileField], "client-server-api/#events-on-change-of-profile-information"), async ({ alice, publicRoom }) => {
    alice.must(await alice.call(endpoints.setProfileField, { path: { userId: alice.userId, keyName: "displayname" }, body: { displayname: "Renamed Alice" } }));
    const renamed = membershipOf(alice.userId, "join");
    await alice.syncUntil(stateHas(publicRoom, { description: "alice's member event with the new display name", matches: (e) => renamed.matches(e) && e.content.displayname === "Renamed Alice" }));
  });

  test("setting another user's profile is 403 M_FORBIDDEN", covers([endpoints.setProfileField], "client-server-api/#put_matrixclientv3profileuseridkeyname"), async ({ alice, bob }) => {
    expectMatrixError(await alice.call(endpoints.setProfileField, { path: { userId: bob.userId, keyName: "displayname" }, body: { displayname: "hijacked" } }), 403, "M_FORBIDDEN");
  });

  test("another user's attempt to set bob's display name leaves the name bob set", covers([endpoints.setProfileField, endpoints.getProfileField], "client-server-api/#put_matrixclientv3profileuseridkeyname"), async ({ alice, bob }) => {
    bob.must(await bob.call(endpoints.setProfileField, { path: { userId: bob.userId, keyName: "displayname" }, body: { displayname: "Bob, as Bob set it" } }));
    // Whatever the server answers, only bob may change bob's profile.
    await alice.call(endpoints.setProfileField, { path: { userId: bob.userId, keyName: "displayname" }, body: { displayname: "hijacked" } });
    expect(bob.must(await bob.call(endpoints.getProfileField, { path: { userId: bob.userId, keyName: "displayname" } }))).toEqual({ displayname: "Bob, as Bob set it" });
  });

  test("an unknown user's profile is 404", covers([endpoints.profile, endpoints.getProfileField], "client-server-api/#get_matrixclientv3profileuserid"), async ({ alice, hs }) => {
    const nobody = `@gauntlet-nobody-0:${hs.serverName}`;
    // The spec fixes the status (404) but not the errcode of a missing profile.
    expect((await alice.call(endpoints.profile, { path: { userId: nobody } })).status).toBe(404);
    expect((await alice.call(endpoints.getProfileField, { path: { userId: nobody, keyName: "displayname" } })).status).toBe(404);
  });

  test("a key whose body does not name it is 400 M_MISSING_PARAM", covers([endpoints.setProfileField], "client-server-api/#put_matrixclientv3profileuseridkeyname"), async ({ alice }) => {
    const res = await alice.call(endpoints.setProfileField, { path: { userId: alice.userId, keyName: "org.gauntlet.field" }, body: { "org.gauntlet.other": "x" } });
    // "400: ... M_MISSING_PARAM: The required keyName property is missing from the request body."
    expectMatrixError(res, 400, "M_MISSING_PARAM");
  });
});
