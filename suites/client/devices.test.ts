import { expect } from "vitest";
import { endpoints } from "../../src/client/endpoints.ts";
import { expectMatrixError, expectShape, expectStatus } from "../../src/client/matchers.ts";
import { strictDevice } from "../../src/client/schemas/account.ts";
import { withPasswordAuth } from "../../src/client/uia.ts";
import { covers, describe, test } from "../fixtures.ts";

describe("device management", () => {
  test("lists the device of each login", covers([endpoints.devices, endpoints.login], "client-server-api/#get_matrixclientv3devices"), async ({ account, anonymous }) => {
    const second = anonymous.must(await anonymous.loginWithPassword(account.localpart, account.password, { initial_device_display_name: "second laptop" }));
    const { devices } = account.client.must(await account.client.call(endpoints.devices));
    expect(devices.map((d) => d.device_id).sort()).toEqual([account.client.deviceId, second.device_id].sort());
    expect(devices.find((d) => d.device_id === second.device_id)?.display_name).toBe("second laptop");
  });

  test("absent optional device fields are omitted, not null", covers([endpoints.devices], "client-server-api/#get_matrixclientv3devices"), async ({ alice }) => {
    const res = await alice.call(endpoints.devices);
    // display_name, last_seen_ip and last_seen_ts are optional strings/integers, not nullable.
    for (const d of alice.must(res).devices) expectShape(d, strictDevice, `device ${d.device_id}`, res);
  });

  test("a device's display name can be changed", covers([endpoints.updateDevice, endpoints.getDevice], "client-server-api/#put_matrixclientv3devicesdeviceid"), async ({ alice }) => {
    const deviceId = alice.deviceId ?? "";
    alice.must(await alice.call(endpoints.updateDevice, { path: { deviceId }, body: { display_name: "renamed by gauntlet" } }));
    expect(alice.must(await alice.call(endpoints.getDevice, { path: { deviceId } }))).toMatchObject({ device_id: deviceId, display_name: "renamed by gauntlet" });
  });

  test("an unknown device is M_NOT_FOUND", covers([endpoints.getDevice], "client-server-api/#get_matrixclientv3devicesdeviceid"), async ({ alice }) => {
    expectMatrixError(await alice.call(endpoints.getDevice, { path: { deviceId: "GAUNTLETNODEVICE" } }), 404, "M_NOT_FOUND");
  });

  test("renaming an unknown device is M_NOT_FOUND", covers([endpoints.updateDevice], "client-server-api/#put_matrixclientv3devicesdeviceid"), async ({ alice }) => {
    expectMatrixError(await alice.call(endpoints.updateDevice, { path: { deviceId: "GAUNTLETNODEVICE" }, body: { display_name: "x" } }), 404, "M_NOT_FOUND");
  });

  test("another user's device is not visible: M_NOT_FOUND", covers([endpoints.getDevice], "client-server-api/#get_matrixclientv3devicesdeviceid"), async ({ alice, bob }) => {
    expectMatrixError(await alice.call(endpoints.getDevice, { path: { deviceId: bob.deviceId ?? "" } }), 404, "M_NOT_FOUND");
  });
});

describe("deleting devices", () => {
  test("deleting a device needs user-interactive auth and logs the device out", covers([endpoints.deleteDevice, endpoints.login, endpoints.devices], "client-server-api/#delete_matrixclientv3devicesdeviceid"), async ({ account, anonymous }) => {
    const second = anonymous.must(await anonymous.loginWithPassword(account.localpart, account.password));
    const secondClient = anonymous.withCredentials({ accessToken: second.access_token, userId: second.user_id });
    const unauthenticated = await account.client.call(endpoints.deleteDevice, { path: { deviceId: second.device_id } });
    expectStatus(unauthenticated, 401);
    account.client.must(await withPasswordAuth(account.client, endpoints.deleteDevice, account.password, { path: { deviceId: second.device_id }, body: {} }));
    // Deleting a device invalidates its access token: client-server-api/#device-management.
    expectMatrixError(await secondClient.call(endpoints.whoami), 401, "M_UNKNOWN_TOKEN");
    const { devices } = account.client.must(await account.client.call(endpoints.devices));
    expect(devices.map((d) => d.device_id)).not.toContain(second.device_id);
  });

  test("deleting with a wrong password is 401 M_FORBIDDEN", covers([endpoints.deleteDevice], "client-server-api/#delete_matrixclientv3devicesdeviceid"), async ({ account, anonymous }) => {
    const second = anonymous.must(await anonymous.loginWithPassword(account.localpart, account.password));
    expectMatrixError(await withPasswordAuth(account.client, endpoints.deleteDevice, "wrong-password", { path: { deviceId: second.device_id }, body: {} }), 401, "M_FORBIDDEN");
  });

  test("delete_devices removes several devices at once", covers([endpoints.deleteDevices, endpoints.login, endpoints.devices], "client-server-api/#post_matrixclientv3delete_devices"), async ({ account, anonymous }) => {
    const a = anonymous.must(await anonymous.loginWithPassword(account.localpart, account.password));
    const b = anonymous.must(await anonymous.loginWithPassword(account.localpart, account.password));
    account.client.must(await withPasswordAuth(account.client, endpoints.deleteDevices, account.password, { body: { devices: [a.device_id, b.device_id] } }));
    const { devices } = account.client.must(await account.client.call(endpoints.devices));
    expect(devices.map((d) => d.device_id)).toEqual([account.client.deviceId]);
  });

  test("delete_devices without auth is 401 with the flows", covers([endpoints.deleteDevices], "client-server-api/#user-interactive-authentication-api"), async ({ account }) => {
    const res = await account.client.call(endpoints.deleteDevices, { body: { devices: ["GAUNTLETNODEVICE"] } });
    expectStatus(res, 401);
    expect((res.body as { flows?: unknown[] }).flows?.length).toBeGreaterThan(0);
  });
});
