import { expect } from "vitest";
import { newTxnId, type MatrixClient } from "../../src/client/client.ts";
import { crossSigningKeysFor, deviceKeysFor, oneTimeKeys, signAs } from "../../src/client/device-keys.ts";
import { endpoints } from "../../src/client/endpoints.ts";
import { expectMatrixError } from "../../src/client/matchers.ts";
import { withPasswordAuth } from "../../src/client/uia.ts";
import { deviceListChanged, joinedRoom, toDeviceHas } from "../../src/client/sync.ts";
import { covers, describe, test } from "../fixtures.ts";

/** A device with uploaded keys whose owner has cross-signing keys: the start of every signature upload. */
async function deviceWithCrossSigning(account: { client: MatrixClient; password: string }) {
  const { client, password } = account;
  const deviceId = client.deviceId ?? "";
  const { deviceKeys } = deviceKeysFor(client.userId, deviceId);
  client.must(await client.call(endpoints.keysUpload, { body: { device_keys: deviceKeys } }));
  const keys = crossSigningKeysFor(client.userId);
  client.must(await withPasswordAuth(client, endpoints.deviceSigningUpload, password, { body: keys.body }));
  const { signatures: _own, ...bare } = deviceKeys;
  return { client, deviceId, keys, sskId: `ed25519:${keys.selfSigning.publicKey}`, bare };
}

describe("device keys", () => {
  test("uploaded device keys are returned by a query from another user", covers([endpoints.keysUpload, endpoints.keysQuery], "client-server-api/#post_matrixclientv3keysquery"), async ({ alice, bob }) => {
    const { deviceKeys } = deviceKeysFor(alice.userId, alice.deviceId ?? "");
    alice.must(await alice.call(endpoints.keysUpload, { body: { device_keys: deviceKeys } }));
    const result = bob.must(await bob.call(endpoints.keysQuery, { body: { device_keys: { [alice.userId]: [] } } }));
    expect(result.device_keys?.[alice.userId]?.[alice.deviceId ?? ""]).toMatchObject({ keys: deviceKeys.keys, signatures: deviceKeys.signatures });
  });

  test("device keys for another device are 400", covers([endpoints.keysUpload], "client-server-api/#post_matrixclientv3keysupload"), async ({ alice }) => {
    const { deviceKeys } = deviceKeysFor(alice.userId, "NOTMYDEVICE");
    const res = await alice.call(endpoints.keysUpload, { body: { device_keys: deviceKeys } });
    // device_keys.device_id "Must match the device ID used when logging in"; the spec gives no errcode.
    expectMatrixError(res, 400);
  });

  test("one-time keys are counted, claimed once each, then the fallback key is served", covers([endpoints.keysUpload, endpoints.keysClaim], "client-server-api/#one-time-and-fallback-keys"), async ({ alice, bob }) => {
    const deviceId = alice.deviceId ?? "";
    const { deviceKeys, signingKey } = deviceKeysFor(alice.userId, deviceId);
    const otks = oneTimeKeys(alice.userId, deviceId, signingKey, 2);
    // A fallback key carries `fallback: true` inside the signed object: client-server-api/#one-time-and-fallback-keys.
    const fallbackSigned = { "signed_curve25519:FALLBACK0": signAs({ key: "dGhpcyBpcyBhIGZhbGxiYWNrIGtleSBmb3IgZ2F1bnRsZXQ", fallback: true }, alice.userId, `ed25519:${deviceId}`, signingKey) };
    const uploaded = alice.must(await alice.call(endpoints.keysUpload, { body: { device_keys: deviceKeys, one_time_keys: otks, fallback_keys: fallbackSigned } }));
    expect(uploaded.one_time_key_counts.signed_curve25519).toBe(2);

    const claimed = new Set<string>();
    for (let i = 0; i < 3; i += 1) {
      const res = bob.must(await bob.call(endpoints.keysClaim, { body: { one_time_keys: { [alice.userId]: { [deviceId]: "signed_curve25519" } } } }));
      const keys = Object.keys(res.one_time_keys[alice.userId]?.[deviceId] ?? {});
      expect(keys).toHaveLength(1);
      claimed.add(keys[0] ?? "");
    }
    // Two distinct one-time keys, then the fallback key once they are used up.
    expect([...claimed].sort()).toEqual([...Object.keys(otks), ...Object.keys(fallbackSigned)].sort());
  });

  test("claiming from a user with no keys returns nothing for them", covers([endpoints.keysClaim], "client-server-api/#post_matrixclientv3keysclaim"), async ({ alice, bob }) => {
    const res = bob.must(await bob.call(endpoints.keysClaim, { body: { one_time_keys: { [alice.userId]: { [alice.deviceId ?? ""]: "signed_curve25519" } } } }));
    expect(Object.keys(res.one_time_keys[alice.userId]?.[alice.deviceId ?? ""] ?? {})).toEqual([]);
  });

  test("a malformed claim is 400", covers([endpoints.keysClaim], "client-server-api/#post_matrixclientv3keysclaim"), async ({ bob }) => {
    const res = await bob.call(endpoints.keysClaim, { body: { one_time_keys: "not an object" } });
    // A body that breaks the request schema is a bad request; the endpoint gives no errcode for it.
    expectMatrixError(res, 400);
  });

  test("a malformed query is 400", covers([endpoints.keysQuery], "client-server-api/#post_matrixclientv3keysquery"), async ({ bob }) => {
    const res = await bob.call(endpoints.keysQuery, { body: { device_keys: ["not", "a", "map"] } });
    expectMatrixError(res, 400);
  });

  test("a key change of a room member shows in /keys/changes and device_lists", covers([endpoints.keysUpload, endpoints.keysChanges, endpoints.sync], "client-server-api/#tracking-the-device-list-for-a-user"), async ({ alice, bob, publicRoom }) => {
    await bob.mustJoinRoom(publicRoom);
    const { nextBatch } = await bob.syncUntil(joinedRoom(publicRoom));
    const { deviceKeys } = deviceKeysFor(alice.userId, alice.deviceId ?? "");
    alice.must(await alice.call(endpoints.keysUpload, { body: { device_keys: deviceKeys } }));
    const { nextBatch: after } = await bob.syncUntil(deviceListChanged(alice.userId), { since: nextBatch });
    const changes = bob.must(await bob.call(endpoints.keysChanges, { query: { from: nextBatch, to: after } }));
    expect(changes.changed).toContain(alice.userId);
  });

  test("/keys/changes without from is 400", covers([endpoints.keysChanges], "client-server-api/#get_matrixclientv3keyschanges"), async ({ bob }) => {
    // from is required; the endpoint gives no errcode for its absence.
    const res = await bob.call(endpoints.keysChanges, { query: { to: "s0" } });
    expectMatrixError(res, 400);
  });
});

describe("cross-signing", () => {
  test("uploaded cross-signing keys are returned by a query", covers([endpoints.deviceSigningUpload, endpoints.keysQuery], "client-server-api/#cross-signing"), async ({ account, bob }) => {
    const { client, password } = account;
    const keys = crossSigningKeysFor(client.userId);
    client.must(await withPasswordAuth(client, endpoints.deviceSigningUpload, password, { body: keys.body }));
    const result = bob.must(await bob.call(endpoints.keysQuery, { body: { device_keys: { [client.userId]: [] } } }));
    expect(result.master_keys?.[client.userId]?.keys).toEqual({ [`ed25519:${keys.master.publicKey}`]: keys.master.publicKey });
    expect(result.self_signing_keys?.[client.userId]?.usage).toEqual(["self_signing"]);
    // The user-signing key is private to its owner: client-server-api/#post_matrixclientv3keysquery.
    expect(result.user_signing_keys?.[client.userId]).toBeUndefined();
  });

  test("a device signature by the self-signing key is published", covers([endpoints.deviceSigningUpload, endpoints.signaturesUpload, endpoints.keysUpload, endpoints.keysQuery], "client-server-api/#post_matrixclientv3keyssignaturesupload"), async ({ account }) => {
    const { client, deviceId, keys, sskId, bare } = await deviceWithCrossSigning(account);
    const signed = signAs(bare, client.userId, sskId, keys.selfSigning);
    const res = client.must(await client.call(endpoints.signaturesUpload, { body: { [client.userId]: { [deviceId]: signed } } }));
    expect(res.failures ?? {}).toEqual({});
    const query = client.must(await client.call(endpoints.keysQuery, { body: { device_keys: { [client.userId]: [deviceId] } } }));
    expect(query.device_keys?.[client.userId]?.[deviceId]?.signatures[client.userId]?.[sskId]).toBe(signed.signatures[client.userId]?.[sskId]);
  });

  test("a signature that does not verify is reported in failures with M_INVALID_SIGNATURE", covers([endpoints.deviceSigningUpload, endpoints.signaturesUpload], "client-server-api/#post_matrixclientv3keyssignaturesupload"), async ({ account }) => {
    const { client, deviceId, keys, sskId, bare } = await deviceWithCrossSigning(account);
    // Signed by the wrong key under the self-signing key's ID.
    const forged = signAs(bare, client.userId, sskId, keys.userSigning);
    const res = client.must(await client.call(endpoints.signaturesUpload, { body: { [client.userId]: { [deviceId]: forged } } }));
    expect((res.failures?.[client.userId]?.[deviceId] as { errcode?: string } | undefined)?.errcode).toBe("M_INVALID_SIGNATURE");
  });

  test("replacing the master key needs user-interactive auth: 401", covers([endpoints.deviceSigningUpload], "client-server-api/#post_matrixclientv3keysdevice_signingupload"), async ({ account }) => {
    const { client, password } = account;
    client.must(await withPasswordAuth(client, endpoints.deviceSigningUpload, password, { body: crossSigningKeysFor(client.userId).body }));
    const res = await client.call(endpoints.deviceSigningUpload, { body: crossSigningKeysFor(client.userId).body });
    expect(res.status).toBe(401);
  });
});

describe("send-to-device", () => {
  test("a to-device message reaches the addressed device", covers([endpoints.sendToDevice, endpoints.sync], "client-server-api/#send-to-device-messaging"), async ({ alice, bob }) => {
    const nonce = newTxnId();
    alice.must(await alice.call(endpoints.sendToDevice, { path: { eventType: "org.gauntlet.ping", txnId: newTxnId() }, body: { messages: { [bob.userId]: { [bob.deviceId ?? ""]: { nonce } } } } }));
    await bob.syncUntil(toDeviceHas("org.gauntlet.ping", alice.userId, (content) => content.nonce === nonce));
  });

  test("a to-device message is delivered exactly once", covers([endpoints.sendToDevice, endpoints.sync], "client-server-api/#send-to-device-messaging"), async ({ alice, bob }) => {
    const nonce = newTxnId();
    alice.must(await alice.call(endpoints.sendToDevice, { path: { eventType: "org.gauntlet.once", txnId: newTxnId() }, body: { messages: { [bob.userId]: { [bob.deviceId ?? ""]: { nonce } } } } }));
    const ours = (events: { type: string; content: Record<string, unknown> }[] | undefined) => (events ?? []).filter((e) => e.type === "org.gauntlet.once" && e.content.nonce === nonce);
    const { nextBatch, response } = await bob.syncUntil(toDeviceHas("org.gauntlet.once", alice.userId, (content) => content.nonce === nonce));
    expect(ours(response.to_device?.events)).toHaveLength(1);
    // "Once the client has received a message, the server deletes it": the next sync, which
    // acknowledges the batch, must not deliver it again.
    const next = await bob.mustSync({ since: nextBatch, timeout: 0 });
    expect(ours(next.to_device?.events)).toHaveLength(0);
  });

  test("a to-device message to all devices with * reaches each one", covers([endpoints.sendToDevice, endpoints.sync], "client-server-api/#put_matrixclientv3sendtodeviceeventtypetxnid"), async ({ alice, account, anonymous }) => {
    const second = anonymous.must(await anonymous.loginWithPassword(account.localpart, account.password));
    const secondClient = anonymous.withCredentials({ accessToken: second.access_token, userId: second.user_id, deviceId: second.device_id });
    const nonce = newTxnId();
    alice.must(await alice.call(endpoints.sendToDevice, { path: { eventType: "org.gauntlet.all", txnId: newTxnId() }, body: { messages: { [account.client.userId]: { "*": { nonce } } } } }));
    await account.client.syncUntil(toDeviceHas("org.gauntlet.all", alice.userId, (c) => c.nonce === nonce));
    await secondClient.syncUntil(toDeviceHas("org.gauntlet.all", alice.userId, (c) => c.nonce === nonce));
  });

  test("sending without a token is 401 M_MISSING_TOKEN", covers([endpoints.sendToDevice], "client-server-api/#put_matrixclientv3sendtodeviceeventtypetxnid"), async ({ anonymous, bob }) => {
    expectMatrixError(await anonymous.call(endpoints.sendToDevice, { path: { eventType: "org.gauntlet.ping", txnId: newTxnId() }, body: { messages: { [bob.userId]: { "*": {} } } } }), 401, "M_MISSING_TOKEN");
  });
});

describe("server-side key backup", () => {
  const authData = { public_key: "hSDwCYkwp1R0i33ctD73Wg2/Og0mOBr066SpjqqbTmo", signatures: {} };
  const sessionData = { first_message_index: 0, forwarded_count: 0, is_verified: false, session_data: { ephemeral: "e", ciphertext: "c", mac: "m" } };
  const ALG = "m.megolm_backup.v1.curve25519-aes-sha2";

  test("a backup version is created, read, updated and deleted", covers(
    [endpoints.createBackupVersion, endpoints.latestBackupVersion, endpoints.getBackupVersion, endpoints.updateBackupVersion, endpoints.deleteBackupVersion],
    "client-server-api/#server-side-key-backups",
  ), async ({ alice }) => {
    const { version } = alice.must(await alice.call(endpoints.createBackupVersion, { body: { algorithm: ALG, auth_data: authData } }));
    expect(alice.must(await alice.call(endpoints.latestBackupVersion))).toMatchObject({ version, algorithm: ALG, count: 0 });
    alice.must(await alice.call(endpoints.updateBackupVersion, { path: { version }, body: { algorithm: ALG, auth_data: { ...authData, extra: "x" }, version } }));
    expect(alice.must(await alice.call(endpoints.getBackupVersion, { path: { version } })).auth_data).toMatchObject({ extra: "x" });
    alice.must(await alice.call(endpoints.deleteBackupVersion, { path: { version } }));
    expectMatrixError(await alice.call(endpoints.getBackupVersion, { path: { version } }), 404, "M_NOT_FOUND");
  });

  test("creating a backup without auth_data is 400", covers([endpoints.createBackupVersion], "client-server-api/#post_matrixclientv3room_keysversion"), async ({ alice }) => {
    // auth_data is required in the request body; the endpoint gives no errcode for its absence.
    expectMatrixError(await alice.call(endpoints.createBackupVersion, { body: { algorithm: ALG } }), 400);
  });

  test("with no backup the latest version is M_NOT_FOUND", covers([endpoints.latestBackupVersion], "client-server-api/#get_matrixclientv3room_keysversion"), async ({ alice }) => {
    expectMatrixError(await alice.call(endpoints.latestBackupVersion), 404, "M_NOT_FOUND");
  });

  test("session keys are stored and read per session, per room and in bulk", covers(
    [
      endpoints.putSessionKey,
      endpoints.getSessionKey,
      endpoints.putRoomKeys,
      endpoints.getRoomKeys,
      endpoints.putAllKeys,
      endpoints.getAllKeys,
      endpoints.deleteSessionKey,
      endpoints.deleteRoomKeys,
      endpoints.deleteAllKeys,
    ],
    "client-server-api/#server-side-key-backups",
  ), async ({ alice }) => {
    const { version } = alice.must(await alice.call(endpoints.createBackupVersion, { body: { algorithm: ALG, auth_data: authData } }));
    const room1 = "!gauntletroom1:example.org";
    const room2 = "!gauntletroom2:example.org";
    expect(alice.must(await alice.call(endpoints.putSessionKey, { path: { roomId: room1, sessionId: "s1" }, query: { version }, body: sessionData })).count).toBe(1);
    alice.must(await alice.call(endpoints.putRoomKeys, { path: { roomId: room1 }, query: { version }, body: { sessions: { s2: sessionData } } }));
    const all = alice.must(await alice.call(endpoints.putAllKeys, { query: { version }, body: { rooms: { [room2]: { sessions: { s3: sessionData } } } } }));
    expect(all.count).toBe(3);
    expect(alice.must(await alice.call(endpoints.getSessionKey, { path: { roomId: room1, sessionId: "s1" }, query: { version } }))).toMatchObject(sessionData);
    expect(Object.keys(alice.must(await alice.call(endpoints.getRoomKeys, { path: { roomId: room1 }, query: { version } })).sessions).sort()).toEqual(["s1", "s2"]);
    expect(Object.keys(alice.must(await alice.call(endpoints.getAllKeys, { query: { version } })).rooms).sort()).toEqual([room1, room2].sort());
    expect(alice.must(await alice.call(endpoints.deleteSessionKey, { path: { roomId: room1, sessionId: "s1" }, query: { version } })).count).toBe(2);
    expect(alice.must(await alice.call(endpoints.deleteRoomKeys, { path: { roomId: room1 }, query: { version } })).count).toBe(1);
    expect(alice.must(await alice.call(endpoints.deleteAllKeys, { query: { version } })).count).toBe(0);
  });

  test("writing keys to a version that is not the current one is 403 M_WRONG_ROOM_KEYS_VERSION", covers([endpoints.putSessionKey], "client-server-api/#put_matrixclientv3room_keyskeysroomidsessionid"), async ({ alice }) => {
    const { version: old } = alice.must(await alice.call(endpoints.createBackupVersion, { body: { algorithm: ALG, auth_data: authData } }));
    alice.must(await alice.call(endpoints.createBackupVersion, { body: { algorithm: ALG, auth_data: authData } }));
    expectMatrixError(await alice.call(endpoints.putSessionKey, { path: { roomId: "!r:example.org", sessionId: "s" }, query: { version: old }, body: sessionData }), 403, "M_WRONG_ROOM_KEYS_VERSION");
  });

  test("reading keys of an unknown version is M_NOT_FOUND", covers([endpoints.getSessionKey, endpoints.getRoomKeys, endpoints.getAllKeys, endpoints.deleteBackupVersion, endpoints.updateBackupVersion], "client-server-api/#server-side-key-backups"), async ({ alice }) => {
    const version = "424242";
    expectMatrixError(await alice.call(endpoints.getSessionKey, { path: { roomId: "!r:example.org", sessionId: "s" }, query: { version } }), 404, "M_NOT_FOUND");
    expectMatrixError(await alice.call(endpoints.getRoomKeys, { path: { roomId: "!r:example.org" }, query: { version } }), 404, "M_NOT_FOUND");
    expectMatrixError(await alice.call(endpoints.getAllKeys, { query: { version } }), 404, "M_NOT_FOUND");
    expectMatrixError(await alice.call(endpoints.deleteBackupVersion, { path: { version } }), 404, "M_NOT_FOUND");
    expectMatrixError(await alice.call(endpoints.updateBackupVersion, { path: { version }, body: { algorithm: ALG, auth_data: authData, version } }), 404, "M_NOT_FOUND");
  });

  test("deleting keys of an unknown version is M_NOT_FOUND", covers([endpoints.deleteSessionKey, endpoints.deleteRoomKeys, endpoints.deleteAllKeys, endpoints.putRoomKeys, endpoints.putAllKeys], "client-server-api/#server-side-key-backups"), async ({ alice }) => {
    const version = "424243";
    expectMatrixError(await alice.call(endpoints.deleteSessionKey, { path: { roomId: "!r:example.org", sessionId: "s" }, query: { version } }), 404, "M_NOT_FOUND");
    expectMatrixError(await alice.call(endpoints.deleteRoomKeys, { path: { roomId: "!r:example.org" }, query: { version } }), 404, "M_NOT_FOUND");
    expectMatrixError(await alice.call(endpoints.deleteAllKeys, { query: { version } }), 404, "M_NOT_FOUND");
    expectMatrixError(await alice.call(endpoints.putRoomKeys, { path: { roomId: "!r:example.org" }, query: { version }, body: { sessions: {} } }), 404, "M_NOT_FOUND");
    expectMatrixError(await alice.call(endpoints.putAllKeys, { query: { version }, body: { rooms: {} } }), 404, "M_NOT_FOUND");
  });
});
