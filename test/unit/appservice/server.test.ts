import { request as httpRequest } from "node:http";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { APPSERVICE_PROTOCOL, newAppserviceRegistration } from "../../../src/appservice/registration.ts";
import { ApplicationService } from "../../../src/appservice/server.ts";
import { allocateFreePort } from "../../../src/env/ports.ts";

interface CallOptions {
  /** The token to send; `null` sends none. Defaults to the registration's hs_token. */
  token?: string | null;
  via?: "header" | "query";
  /** A string goes as is; anything else as JSON. */
  body?: unknown;
}

// Requests shaped as a homeserver sends them to its application services.
describe("application service", () => {
  let service: ApplicationService;
  let base: string;

  const call = async (method: string, path: string, options: CallOptions = {}) => {
    const token = options.token === undefined ? service.registration.hs_token : options.token;
    const url = new URL(`${base}${path}`);
    const headers: Record<string, string> = { "content-type": "application/json" };
    if (token !== null && options.via === "query") url.searchParams.set("access_token", token);
    else if (token !== null) headers["authorization"] = `Bearer ${token}`;
    const body = options.body === undefined ? undefined : typeof options.body === "string" ? options.body : JSON.stringify(options.body);
    const response = await fetch(url, { method, headers, ...(body !== undefined ? { body } : {}) });
    return { status: response.status, json: (await response.json()) as unknown };
  };
  const event = (id: string, type = "m.room.message") => ({ event_id: id, type, room_id: "!r:hs.test", sender: "@gauntlet-as-a:hs.test", content: {} });

  beforeAll(async () => {
    service = await ApplicationService.listen(newAppserviceRegistration(await allocateFreePort()));
    base = service.registration.url;
  });
  afterAll(async () => {
    await service?.close();
  });

  test("accepts a transaction with the Bearer token and records its events", async () => {
    const response = await call("PUT", "/_matrix/app/v1/transactions/bearer-1", { body: { events: [event("$b1"), event("$b2")] } });
    expect(response).toEqual({ status: 200, json: {} });
    expect(service.events.map((e) => e["event_id"])).toEqual(expect.arrayContaining(["$b1", "$b2"]));
    const seen = await service.waitForRequest((r) => r.path === "/_matrix/app/v1/transactions/bearer-1");
    expect(seen).toMatchObject({ method: "PUT", authorized: true, credentials: "header", status: 200 });
  });

  test("accepts the deprecated access_token query parameter and keeps it out of the record", async () => {
    const response = await call("PUT", "/_matrix/app/v1/transactions/query-1?extra=1", { via: "query", body: { events: [event("$q1")] } });
    expect(response.status).toBe(200);
    const seen = await service.waitForRequest((r) => r.path === "/_matrix/app/v1/transactions/query-1");
    expect(seen).toMatchObject({ authorized: true, credentials: "query", query: { extra: "1" } });
    expect(JSON.stringify(seen)).not.toContain(service.registration.hs_token);
    expect(service.events.some((e) => e["event_id"] === "$q1")).toBe(true);
  });

  test("answers 401 M_UNAUTHORIZED without a token and 403 M_FORBIDDEN with a wrong one", async () => {
    const before = service.events.length;
    const missing = await call("PUT", "/_matrix/app/v1/transactions/noauth-1", { token: null, body: { events: [event("$n1")] } });
    expect(missing.status).toBe(401);
    expect(missing.json).toMatchObject({ errcode: "M_UNAUTHORIZED" });
    const wrong = await call("PUT", "/_matrix/app/v1/transactions/noauth-2", { token: service.registration.as_token, body: { events: [event("$n2")] } });
    expect(wrong.status).toBe(403);
    expect(wrong.json).toMatchObject({ errcode: "M_FORBIDDEN" });
    const wrongQuery = await call("GET", "/_matrix/app/v1/thirdparty/protocol/gauntlet", { token: "nope", via: "query" });
    expect(wrongQuery.status).toBe(403);
    expect(service.events.length).toBe(before);
    const recorded = service.requests.filter((r) => r.path.includes("noauth-"));
    expect(recorded.map((r) => [r.authorized, r.status])).toEqual([
      [false, 401],
      [false, 403],
    ]);
    expect(service.requests.at(-1)).toMatchObject({ authorized: false, credentials: "query", status: 403, query: {} });
  });

  test("acknowledges a retried txnId without recording its events twice", async () => {
    const body = { events: [event("$r1")] };
    expect((await call("PUT", "/_matrix/app/v1/transactions/retry-1", { body })).status).toBe(200);
    expect(await call("PUT", "/_matrix/app/v1/transactions/retry-1", { body })).toEqual({ status: 200, json: {} });
    expect(service.events.filter((e) => e["event_id"] === "$r1")).toHaveLength(1);
    expect(service.requests.filter((r) => r.path.endsWith("/retry-1"))).toHaveLength(2);
  });

  test("answers a ping with and without a transaction_id", async () => {
    expect(await call("POST", "/_matrix/app/v1/ping", { body: { transaction_id: "ping-1" } })).toEqual({ status: 200, json: {} });
    expect(await call("POST", "/_matrix/app/v1/ping", { body: {} })).toEqual({ status: 200, json: {} });
    const seen = await service.waitForRequest((r) => r.path === "/_matrix/app/v1/ping" && (r.body as { transaction_id?: string })?.transaction_id === "ping-1");
    expect(seen.authorized).toBe(true);
  });

  test("looks up the gauntlet protocol and refuses unknown ones", async () => {
    const known = await call("GET", `/_matrix/app/v1/thirdparty/protocol/${APPSERVICE_PROTOCOL}`);
    expect(known.status).toBe(200);
    expect(known.json).toMatchObject({
      user_fields: expect.any(Array),
      location_fields: expect.any(Array),
      icon: expect.stringMatching(/^mxc:\/\//),
      field_types: expect.any(Object),
      instances: [{ network_id: "gauntlet-net", desc: expect.any(String), icon: expect.any(String), fields: expect.any(Object) }],
    });
    const protocol = known.json as { user_fields: string[]; location_fields: string[]; field_types: Record<string, unknown> };
    for (const field of [...protocol.user_fields, ...protocol.location_fields]) expect(protocol.field_types[field]).toMatchObject({ regexp: expect.any(String), placeholder: expect.any(String) });
    const unknown = await call("GET", "/_matrix/app/v1/thirdparty/protocol/irc");
    expect(unknown.status).toBe(404);
    expect(unknown.json).toMatchObject({ errcode: "M_NOT_FOUND" });
  });

  test("finds third-party locations and users by protocol fields and by Matrix ID", async () => {
    service.locations = [
      { alias: "#gauntlet-as-general:hs.test", protocol: APPSERVICE_PROTOCOL, fields: { channel: "#general" } },
      { alias: "#gauntlet-as-random:hs.test", protocol: APPSERVICE_PROTOCOL, fields: { channel: "#random" } },
    ];
    service.users = [{ userid: "@gauntlet-as-alice:hs.test", protocol: APPSERVICE_PROTOCOL, fields: { username: "alice" } }];

    const byFields = await call("GET", "/_matrix/app/v1/thirdparty/location/gauntlet?channel=%23random");
    expect(byFields).toEqual({ status: 200, json: [service.locations[1]] });
    expect((await call("GET", "/_matrix/app/v1/thirdparty/location/gauntlet")).json).toHaveLength(2);
    expect((await call("GET", "/_matrix/app/v1/thirdparty/location/gauntlet?channel=%23none")).status).toBe(404);
    expect((await call("GET", "/_matrix/app/v1/thirdparty/location/irc")).status).toBe(404);
    const byAlias = await call("GET", "/_matrix/app/v1/thirdparty/location?alias=%23gauntlet-as-general%3Ahs.test");
    expect(byAlias).toEqual({ status: 200, json: [service.locations[0]] });
    expect((await call("GET", "/_matrix/app/v1/thirdparty/location")).json).toMatchObject({ errcode: "M_MISSING_PARAM" });

    expect(await call("GET", "/_matrix/app/v1/thirdparty/user/gauntlet?username=alice")).toEqual({ status: 200, json: service.users });
    expect((await call("GET", "/_matrix/app/v1/thirdparty/user/gauntlet?username=bob")).json).toMatchObject({ errcode: "M_NOT_FOUND" });
    expect(await call("GET", "/_matrix/app/v1/thirdparty/user?userid=%40gauntlet-as-alice%3Ahs.test")).toEqual({ status: 200, json: service.users });
    expect((await call("GET", "/_matrix/app/v1/thirdparty/user?userid=%40nobody%3Ahs.test")).status).toBe(404);
  });

  test("answers user and alias queries with 404 unless a hook creates them", async () => {
    const user = await call("GET", "/_matrix/app/v1/users/%40gauntlet-as-x%3Ahs.test");
    expect(user.status).toBe(404);
    expect(user.json).toMatchObject({ errcode: "M_NOT_FOUND" });
    expect((await call("GET", "/_matrix/app/v1/rooms/%23gauntlet-as-x%3Ahs.test")).status).toBe(404);
    const asked: string[] = [];
    service.onUserQuery = (userId) => (asked.push(userId), userId.startsWith("@gauntlet-as-"));
    service.onRoomQuery = async (alias) => alias === "#gauntlet-as-x:hs.test";
    try {
      expect(await call("GET", "/_matrix/app/v1/users/%40gauntlet-as-x%3Ahs.test")).toEqual({ status: 200, json: {} });
      expect((await call("GET", "/_matrix/app/v1/users/%40other%3Ahs.test")).status).toBe(404);
      expect(await call("GET", "/_matrix/app/v1/rooms/%23gauntlet-as-x%3Ahs.test")).toEqual({ status: 200, json: {} });
      expect(asked).toEqual(["@gauntlet-as-x:hs.test", "@other:hs.test"]);
    } finally {
      service.onUserQuery = undefined;
      service.onRoomQuery = undefined;
    }
  });

  test("rejects bad JSON, non-transactions, unknown paths and wrong methods without failing", async () => {
    const badJson = await call("PUT", "/_matrix/app/v1/transactions/bad-1", { body: "{not json" });
    expect(badJson.status).toBe(400);
    expect(badJson.json).toMatchObject({ errcode: "M_NOT_JSON" });
    const noEvents = await call("PUT", "/_matrix/app/v1/transactions/bad-2", { body: { pdus: [] } });
    expect(noEvents.json).toMatchObject({ errcode: "M_BAD_JSON" });
    // A transaction refused as malformed is not remembered: the corrected retry lands.
    expect((await call("PUT", "/_matrix/app/v1/transactions/bad-2", { body: { events: [event("$fixed")] } })).status).toBe(200);
    expect(service.events.some((e) => e["event_id"] === "$fixed")).toBe(true);
    const unknown = await call("GET", "/_matrix/app/v1/nothing-here");
    expect(unknown.status).toBe(404);
    expect(unknown.json).toMatchObject({ errcode: "M_UNRECOGNIZED" });
    expect((await call("PUT", "/transactions/legacy-1", { body: { events: [] } })).json).toMatchObject({ errcode: "M_UNRECOGNIZED" });
    const wrongMethod = await call("GET", "/_matrix/app/v1/transactions/bad-3");
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.json).toMatchObject({ errcode: "M_UNRECOGNIZED" });
    expect((await call("GET", "/_matrix/app/v1/users/%E0%A4%A")).status).toBe(400);
    expect(await call("POST", "/_matrix/app/v1/ping", { body: {} })).toEqual({ status: 200, json: {} });
  });

  test("refuses bodies over 10 MiB with 413", async () => {
    const status = await new Promise<number>((resolve, reject) => {
      const url = new URL(`${base}/_matrix/app/v1/transactions/huge-1`);
      const req = httpRequest(url, {
        method: "PUT",
        headers: { authorization: `Bearer ${service.registration.hs_token}`, "content-type": "application/json", "content-length": String(11 * 2 ** 20) },
      });
      req.on("response", (res) => {
        res.resume();
        req.destroy();
        resolve(res.statusCode ?? 0);
      });
      req.on("error", reject);
      req.flushHeaders();
    });
    expect(status).toBe(413);
    expect(service.requests.at(-1)).toMatchObject({ path: "/_matrix/app/v1/transactions/huge-1", status: 413 });
  });

  test("waitForEvent resolves for an event that arrives later", async () => {
    const waiting = service.waitForEvent((e) => e["event_id"] === "$later", 5000);
    setTimeout(() => void call("PUT", "/_matrix/app/v1/transactions/later-1", { body: { events: [event("$later", "m.room.member")] } }), 100);
    expect(await waiting).toMatchObject({ event_id: "$later", type: "m.room.member" });
  });

  test("waitForEvent and waitForRequest time out with what they saw", async () => {
    await expect(service.waitForEvent((e) => e["event_id"] === "$never", 200)).rejects.toThrow(/no matching event within 200 ms \(\d+ events so far, the last: .*m\.room\.member.*loaded the registration "gauntlet"/s);
    await expect(service.waitForRequest((r) => r.path === "/never", 200)).rejects.toThrow(/no matching request within 200 ms \(\d+ requests so far, the last: /);
  });
});
