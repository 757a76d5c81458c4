import { describe, expect, test } from "vitest";
import { APPSERVICE_PROTOCOL, newAppserviceRegistration } from "../../../src/appservice/registration.ts";

describe("application service registration", () => {
  test("points at loopback with fresh 32-byte hex tokens", () => {
    const registration = newAppserviceRegistration(29300);
    expect(registration.url).toBe("http://127.0.0.1:29300");
    expect(registration.as_token).toMatch(/^[0-9a-f]{64}$/);
    expect(registration.hs_token).toMatch(/^[0-9a-f]{64}$/);
    expect(registration.as_token).not.toBe(registration.hs_token);
    expect(newAppserviceRegistration(29300).hs_token).not.toBe(registration.hs_token);
  });

  test("claims exclusive gauntlet-as namespaces and the gauntlet protocol", () => {
    const registration = newAppserviceRegistration(29300);
    expect(registration).toMatchObject({
      id: "gauntlet",
      sender_localpart: "gauntlet-as",
      namespaces: { users: [{ exclusive: true, regex: "@gauntlet-as-.*" }], aliases: [{ exclusive: true, regex: "#gauntlet-as-.*" }], rooms: [] },
      protocols: [APPSERVICE_PROTOCOL],
      rate_limited: false,
    });
    expect(new RegExp(`^${registration.namespaces.users[0]?.regex}$`).test("@gauntlet-as-bob:hs.test")).toBe(true);
    expect(JSON.parse(JSON.stringify(registration))).toEqual(registration);
  });

  test("rejects a port out of range with the reason", () => {
    expect(() => newAppserviceRegistration(0)).toThrow(/1 to 65535, got 0/);
    expect(() => newAppserviceRegistration(70000)).toThrow(/got 70000/);
  });
});
