import { randomBytes } from "node:crypto";
import { expect } from "vitest";
import { APPSERVICE_PROTOCOL } from "../../src/appservice/registration.ts";
import type { ApplicationService } from "../../src/appservice/server.ts";
import type { MatrixClient } from "../../src/client/client.ts";
import { endpoints } from "../../src/client/endpoints.ts";
import { expectMatrixError } from "../../src/client/matchers.ts";
import { readUntil } from "../../src/client/poll.ts";
import { timelineHas } from "../../src/client/sync.ts";
import type { DeploymentHomeserver } from "../../src/deployment/deployment.ts";
import { covers, describe, test } from "../fixtures.ts";

/** A client acting as the application service: its as_token, as its sender user (application-service-api/#identity-assertion). */
function asClient(anonymous: MatrixClient, hs: DeploymentHomeserver, appservice: ApplicationService): MatrixClient {
  const { as_token, sender_localpart } = appservice.registration;
  return anonymous.withCredentials({ accessToken: as_token, userId: `@${sender_localpart}:${hs.serverName}` });
}

/** The instance of the harness's protocol as the homeserver publishes it, with the instance_id it assigned. */
async function protocolInstance(client: MatrixClient): Promise<{ instance_id: string; network_id: string }> {
  const protocol = client.must(await client.call(endpoints.thirdPartyProtocol, { path: { protocol: APPSERVICE_PROTOCOL } })) as { instances?: { instance_id?: string; network_id?: string }[] };
  const instance = protocol.instances?.[0];
  expect(instance?.instance_id, "instances[0].instance_id of the protocol").toEqual(expect.any(String));
  return { instance_id: instance?.instance_id ?? "", network_id: instance?.network_id ?? "" };
}

describe("pinging an application service", () => {
  test("the homeserver pings the application service with its hs_token and reports the round trip", covers([endpoints.appservicePing], "application-service-api/#post_matrixclientv1appserviceappserviceidping"), async ({ anonymous, hs, appservice }) => {
    const client = asClient(anonymous, hs, appservice);
    const transactionId = `gauntlet-ping-${randomBytes(4).toString("hex")}`;
    const { duration_ms } = client.must(await client.call(endpoints.appservicePing, { path: { appserviceId: appservice.registration.id }, body: { transaction_id: transactionId } }));
    expect(duration_ms).toBeGreaterThanOrEqual(0);
    // The homeserver relays the transaction_id to POST /_matrix/app/v1/ping, authenticated with hs_token.
    const ping = await appservice.waitForRequest((r) => r.path === "/_matrix/app/v1/ping" && (r.body as { transaction_id?: string } | undefined)?.transaction_id === transactionId);
    expect(ping.authorized).toBe(true);
    // Homeservers authenticate with the Authorization header, not the deprecated query parameter (application-service-api/#authorization).
    expect(ping.credentials).toBe("header");
  });

  test("pinging another application service's ID is 403 M_FORBIDDEN", covers([endpoints.appservicePing], "application-service-api/#post_matrixclientv1appserviceappserviceidping"), async ({ anonymous, hs, appservice }) => {
    const client = asClient(anonymous, hs, appservice);
    expectMatrixError(await client.call(endpoints.appservicePing, { path: { appserviceId: "gauntlet-someone-else" }, body: {} }), 403, "M_FORBIDDEN");
  });
});

// Homeservers may cache what an application service says of its protocols, failures included
// (Synapse: an hour), so every test that makes the homeserver ask runs while the service listens.
// One at a time: tests set what the shared service answers.
describe("third-party networks", { concurrent: false }, () => {
  test("protocols are listed and lookups for a protocol nobody bridges are empty", covers(
    [endpoints.thirdPartyProtocols, endpoints.thirdPartyLocation, endpoints.thirdPartyUser, endpoints.thirdPartyLocationByAlias, endpoints.thirdPartyUserById],
    "client-server-api/#third-party-networks",
  ), async ({ alice, applicationService }) => {
    const protocols = alice.must(await alice.call(endpoints.thirdPartyProtocols));
    expect(Object.keys(protocols)).not.toContain("org.gauntlet.none");
    if (applicationService) expect(Object.keys(protocols)).toContain(APPSERVICE_PROTOCOL);
    expect(alice.must(await alice.call(endpoints.thirdPartyLocationByAlias, { query: { alias: "#gauntlet:example.org" } }))).toEqual([]);
    expect(alice.must(await alice.call(endpoints.thirdPartyUserById, { query: { userid: "@gauntlet:example.org" } }))).toEqual([]);
    const location = await alice.call(endpoints.thirdPartyLocation, { path: { protocol: "org.gauntlet.none" } });
    const user = await alice.call(endpoints.thirdPartyUser, { path: { protocol: "org.gauntlet.none" } });
    // "404: No portal rooms/users were found" and an empty list are both allowed.
    for (const res of [location, user]) if (res.ok) expect(res.body).toEqual([]);
    else expect(res.status).toBe(404);
  });

  test("an unknown protocol is 404 M_NOT_FOUND", covers([endpoints.thirdPartyProtocol], "client-server-api/#get_matrixclientv3thirdpartyprotocolprotocol"), async ({ alice, applicationService }) => {
    // The harness's application service, when there is one, listens: the homeserver may ask it first.
    void applicationService;
    expectMatrixError(await alice.call(endpoints.thirdPartyProtocol, { path: { protocol: "org.gauntlet.none" } }), 404, "M_NOT_FOUND");
  });

  test("the protocol the application service registered is listed and described as it answers", covers([endpoints.thirdPartyProtocol, endpoints.thirdPartyProtocols], "client-server-api/#get_matrixclientv3thirdpartyprotocolprotocol"), async ({ alice, appservice }) => {
    const protocol = alice.must(await alice.call(endpoints.thirdPartyProtocol, { path: { protocol: APPSERVICE_PROTOCOL } })) as Record<string, unknown>;
    // The homeserver passes the application service's answer on, adding an instance_id to each instance.
    const expected = appservice.protocol as { user_fields: unknown; location_fields: unknown; field_types: unknown; instances: { network_id: string; desc: string }[] };
    expect(protocol).toMatchObject({ user_fields: expected.user_fields, location_fields: expected.location_fields, field_types: expected.field_types });
    const instances = protocol.instances as { network_id: string; desc: string; instance_id: string }[];
    expect(instances.map((i) => [i.network_id, i.desc])).toEqual(expected.instances.map((i) => [i.network_id, i.desc]));
    for (const instance of instances) expect(instance.instance_id).toEqual(expect.any(String));
    expect(alice.must(await alice.call(endpoints.thirdPartyProtocols))[APPSERVICE_PROTOCOL]).toMatchObject({ user_fields: expected.user_fields });
  });

  test("location and user lookups of a protocol are answered by its application service", covers([endpoints.thirdPartyLocation, endpoints.thirdPartyUser], "client-server-api/#get_matrixclientv3thirdpartylocationprotocol"), async ({ alice, hs, appservice }) => {
    const alias = `#gauntlet-as-lobby:${hs.serverName}`;
    const bridged = `@gauntlet-as-ann:${hs.serverName}`;
    appservice.locations = [{ alias, protocol: APPSERVICE_PROTOCOL, fields: { channel: "lobby" } }];
    appservice.users = [{ userid: bridged, protocol: APPSERVICE_PROTOCOL, fields: { username: "ann" } }];
    const locations = alice.must(await alice.call(endpoints.thirdPartyLocation, { path: { protocol: APPSERVICE_PROTOCOL }, query: { channel: "lobby" } }));
    expect(locations).toEqual([{ alias, protocol: APPSERVICE_PROTOCOL, fields: { channel: "lobby" } }]);
    const users = alice.must(await alice.call(endpoints.thirdPartyUser, { path: { protocol: APPSERVICE_PROTOCOL }, query: { username: "ann" } }));
    expect(users).toEqual([{ userid: bridged, protocol: APPSERVICE_PROTOCOL, fields: { username: "ann" } }]);
    // The homeserver passed the query fields on to the application service.
    const asked = await appservice.waitForRequest((r) => r.path === `/_matrix/app/v1/thirdparty/location/${APPSERVICE_PROTOCOL}`);
    expect(asked.query.channel).toBe("lobby");
  });

  test("reverse lookups by alias and by user ID are answered by the application services", covers([endpoints.thirdPartyLocationByAlias, endpoints.thirdPartyUserById], "client-server-api/#get_matrixclientv3thirdpartylocation"), async ({ alice, hs, appservice }) => {
    const alias = `#gauntlet-as-hall:${hs.serverName}`;
    const bridged = `@gauntlet-as-bea:${hs.serverName}`;
    appservice.locations = [{ alias, protocol: APPSERVICE_PROTOCOL, fields: { channel: "hall" } }];
    appservice.users = [{ userid: bridged, protocol: APPSERVICE_PROTOCOL, fields: { username: "bea" } }];
    // The homeserver asks its application services (application-service-api/#get_matrixappv1thirdpartylocation).
    expect(alice.must(await alice.call(endpoints.thirdPartyLocationByAlias, { query: { alias } })).map((l) => l.alias)).toEqual([alias]);
    expect(alice.must(await alice.call(endpoints.thirdPartyUserById, { query: { userid: bridged } })).map((u) => u.userid)).toEqual([bridged]);
  });
});

describe("room lists of an application service's networks", () => {
  test("an application service publishes a room to its network's room list", covers([endpoints.setAppserviceVisibility, endpoints.searchPublicRooms, endpoints.thirdPartyProtocol], "application-service-api/#put_matrixclientv3directorylistappservicenetworkidroomid"), async ({ anonymous, hs, appservice }) => {
    const client = asClient(anonymous, hs, appservice);
    const { instance_id, network_id } = await protocolInstance(client);
    const roomId = await client.mustCreateRoom({ preset: "public_chat", name: `gauntlet bridged ${randomBytes(3).toString("hex")}` });
    client.must(await client.call(endpoints.setAppserviceVisibility, { path: { networkId: network_id, roomId }, body: { visibility: "public" } }));
    // The room is listed for the network's instance (client-server-api/#post_matrixclientv3publicrooms,
    // third_party_instance_id); room lists may lag behind a change, as for the local directory.
    const list = async () => client.must(await client.call(endpoints.searchPublicRooms, { body: { third_party_instance_id: instance_id, limit: 100 } })).chunk.map((room) => room.room_id);
    await readUntil(`${roomId} in the room list of ${instance_id}`, list, (rooms) => rooms.includes(roomId));
    client.must(await client.call(endpoints.setAppserviceVisibility, { path: { networkId: network_id, roomId }, body: { visibility: "private" } }));
    await readUntil(`${roomId} gone from the room list of ${instance_id}`, list, (rooms) => !rooms.includes(roomId));
  });
});

describe("users and events of an application service", () => {
  test("a user in the application service's namespace gets its membership events in a transaction and can speak through identity assertion", covers([endpoints.register, endpoints.invite, endpoints.join, endpoints.sendEvent], "application-service-api/#pushing-events"), async ({ alice, anonymous, hs, appservice }) => {
    const client = asClient(anonymous, hs, appservice);
    const localpart = `gauntlet-as-${randomBytes(4).toString("hex")}`;
    // Application services register their users with m.login.application_service (application-service-api/#server-admin-style-permissions).
    const registered = client.must(await client.call(endpoints.register, { body: { type: "m.login.application_service", username: localpart, inhibit_login: true } }));
    const bridged = registered.user_id;
    const roomId = await alice.mustCreateRoom({ invite: [bridged] });
    const invite = await appservice.waitForEvent((e) => e.type === "m.room.member" && e.room_id === roomId && e.state_key === bridged);
    expect((invite.content as { membership?: string }).membership).toBe("invite");
    expect(appservice.requests.filter((r) => r.path.startsWith("/_matrix/app/v1/transactions/")).every((r) => r.authorized)).toBe(true);
    // Identity assertion: the application service acts as a user of its namespace with ?user_id=.
    client.must(await client.call(endpoints.join, { path: { roomIdOrAlias: roomId }, query: { user_id: bridged }, body: {} }));
    const sent = client.must(await client.call(endpoints.sendEvent, { path: { roomId, eventType: "m.room.message", txnId: `as-${Date.now()}` }, query: { user_id: bridged }, body: { msgtype: "m.text", body: "hello from the bridge" } }));
    await alice.syncUntil(timelineHas(roomId, { description: `${sent.event_id} sent by ${bridged}`, matches: (e) => e.event_id === sent.event_id && e.sender === bridged }));
  });

  test("registering a user outside the application service's namespace is 400 M_EXCLUSIVE", covers([endpoints.register], "application-service-api/#server-admin-style-permissions"), async ({ anonymous, hs, appservice }) => {
    const client = asClient(anonymous, hs, appservice);
    const res = await client.call(endpoints.register, { body: { type: "m.login.application_service", username: `outside-${randomBytes(4).toString("hex")}`, inhibit_login: true } });
    expectMatrixError(res, 400, "M_EXCLUSIVE");
  });

  test("ordinary registration in an exclusive namespace is 400 M_EXCLUSIVE", covers([endpoints.register], "client-server-api/#post_matrixclientv3register"), async ({ anonymous, appservice }) => {
    const res = await anonymous.call(endpoints.register, { body: { username: `${appservice.registration.sender_localpart}-${randomBytes(4).toString("hex")}`, password: "gauntlet-password-1", auth: { type: "m.login.dummy" } }, auth: false });
    expectMatrixError(res, 400, "M_EXCLUSIVE");
  });

  test("resolving an alias in the application service's namespace asks the application service", covers([endpoints.resolveAlias], "application-service-api/#get_matrixappv1roomsroomalias"), async ({ alice, hs, appservice }) => {
    const alias = `#gauntlet-as-${randomBytes(4).toString("hex")}:${hs.serverName}`;
    // The application service knows no such room: the homeserver answers 404 M_NOT_FOUND after asking it.
    expectMatrixError(await alice.call(endpoints.resolveAlias, { path: { roomAlias: alias } }), 404, "M_NOT_FOUND");
    const query = await appservice.waitForRequest((r) => r.path === `/_matrix/app/v1/rooms/${encodeURIComponent(alias)}` || decodeURIComponent(r.path) === `/_matrix/app/v1/rooms/${alias}`);
    expect(query.authorized).toBe(true);
  });
});
