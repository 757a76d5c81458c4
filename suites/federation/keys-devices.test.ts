import { crossSigningKeysFor, deviceKeysFor, oneTimeKeys } from "../../src/client/device-keys.ts";
import { withPasswordAuth } from "../../src/client/uia.ts";
import { endpoints } from "../../src/client/endpoints.ts";
import type { MatrixClient } from "../../src/client/client.ts";
import { decodeBase64, verifyJson, verifyServerKeys, type JsonObject } from "../../src/protocol/index.ts";
import { federationEndpoints as fed } from "../../src/federation/endpoints.ts";
import type { FederationPeer } from "../../src/federation/peer.ts";
import type { DeploymentHomeserver } from "../../src/deployment/deployment.ts";
import { covers, describe, expect, test } from "./peer-fixture.ts";

/** Uploads self-signed device keys for the client's device; returns them. */
async function uploadDeviceKeys(client: MatrixClient) {
  const keys = deviceKeysFor(client.userId!, client.deviceId!);
  client.must(await client.call(endpoints.keysUpload, { body: { device_keys: keys.deviceKeys } }));
  return keys;
}

/** True when `object` carries a valid signature of the device's ed25519 key (client-server-api/#signing-json). */
function signedByDevice(object: JsonObject, userId: string, deviceId: string, ed25519: string): boolean {
  return verifyJson(object, userId, `ed25519:${deviceId}`, decodeBase64(ed25519));
}

describe("device lists and end-to-end keys over federation", () => {
  test(
    "another server lists a user's devices with their signed device keys and the user's cross-signing keys",
    covers([fed.userDevices, endpoints.keysUpload, endpoints.deviceSigningUpload], "server-server-api/#get_matrixfederationv1userdevicesuserid"),
    async ({ account, hs, peer }) => {
      const alice = account.client;
      const { deviceKeys, signingKey } = await uploadDeviceKeys(alice);
      const crossSigning = crossSigningKeysFor(alice.userId!);
      alice.must(await withPasswordAuth(alice, endpoints.deviceSigningUpload, account.password, { body: crossSigning.body }));
      const remote = peer.to(hs);
      const body = remote.must(await remote.userDevices(alice.userId));
      expect(body.user_id).toBe(alice.userId);
      const device = body.devices.find((d) => d.device_id === alice.deviceId);
      expect(device, JSON.stringify(body)).toBeDefined();
      expect(device!.keys.keys).toEqual(deviceKeys.keys);
      expect(signedByDevice(device!.keys as JsonObject, alice.userId!, alice.deviceId!, signingKey.publicKey)).toBe(true);
      // The user-signing key is private to the user's own server; master and self-signing keys are shared.
      expect(body.master_key?.keys).toEqual((crossSigning.body.master_key as JsonObject)["keys"]);
      expect(body.self_signing_key?.keys).toEqual((crossSigning.body.self_signing_key as JsonObject)["keys"]);
    },
  );

  test(
    "the device list of a user without cross-signing keys leaves master_key and self_signing_key out rather than null",
    covers([fed.userDevices], "server-server-api/#get_matrixfederationv1userdevicesuserid"),
    async ({ alice, hs, peer }) => {
      await uploadDeviceKeys(alice);
      // Both are optional objects in the spec's schema: absent when there is no such key, never null.
      const response = await peer.to(hs).userDevices(alice.userId);
      const body = peer.to(hs).must(response);
      expect(body.master_key, response.text).toBeUndefined();
      expect(body.self_signing_key, response.text).toBeUndefined();
    },
  );

  test(
    "a key query from another server returns the device keys the user uploaded, signature intact",
    covers([fed.keysQuery, endpoints.keysUpload], "server-server-api/#post_matrixfederationv1userkeysquery"),
    async ({ alice, hs, peer }) => {
      const { deviceKeys, signingKey } = await uploadDeviceKeys(alice);
      const remote = peer.to(hs);
      const body = remote.must(await remote.keysQuery({ [alice.userId]: [] }));
      const returned = body.device_keys[alice.userId]?.[alice.deviceId!];
      expect(returned, JSON.stringify(body)).toBeDefined();
      expect(returned).toMatchObject({ user_id: alice.userId, device_id: alice.deviceId, algorithms: deviceKeys.algorithms, keys: deviceKeys.keys });
      expect(signedByDevice(returned as JsonObject, alice.userId!, alice.deviceId!, signingKey.publicKey)).toBe(true);
    },
  );

  test(
    "another server claims one of the user's one-time keys, each key claimed once",
    covers([fed.keysClaim, endpoints.keysUpload], "server-server-api/#post_matrixfederationv1userkeysclaim"),
    async ({ alice, hs, peer }) => {
      const { deviceKeys, signingKey } = deviceKeysFor(alice.userId!, alice.deviceId!);
      const otks = oneTimeKeys(alice.userId!, alice.deviceId!, signingKey, 2, `F${Date.now() % 1000}`);
      alice.must(await alice.call(endpoints.keysUpload, { body: { device_keys: deviceKeys, one_time_keys: otks } }));
      const claimed: string[] = [];
      for (let i = 0; i < 2; i += 1) {
        const remote = peer.to(hs);
        const body = remote.must(await remote.keysClaim({ [alice.userId]: { [alice.deviceId!]: "signed_curve25519" } }));
        const keys = body.one_time_keys[alice.userId]?.[alice.deviceId!] ?? {};
        const [keyId, key] = Object.entries(keys)[0] ?? [];
        expect(keyId, JSON.stringify(body)).toBeDefined();
        // A claimed key is one the device uploaded, with the device's signature.
        expect(otks[keyId!]).toBeDefined();
        expect(signedByDevice(key as JsonObject, alice.userId!, alice.deviceId!, signingKey.publicKey)).toBe(true);
        claimed.push(keyId!);
      }
      expect(new Set(claimed).size).toBe(2);
    },
  );
});

/**
 * Asks the homeserver, as a notary, for the peer's keys with `criteria` (server-server-api/#post_matrixkeyv2query)
 * and returns the entries for the peer, each checked to be self-signed with the peer's key.
 */
async function notaryCopiesOfPeerKeys(hs: DeploymentHomeserver, peer: FederationPeer, criteria: JsonObject): Promise<JsonObject[]> {
  const remote = peer.to(hs);
  // A signed request makes the homeserver fetch and keep the peer's keys.
  expect((await remote.queryProfile("@nobody:nowhere")).status).not.toBe(401);
  // Unauthenticated, like the rest of the key API.
  const body = remote.must(await remote.notaryBatchQuery({ [peer.serverName]: criteria }));
  const forPeer = body.server_keys.filter((entry) => entry.server_name === peer.serverName);
  expect(forPeer.length, JSON.stringify(body)).toBeGreaterThan(0);
  for (const entry of forPeer) {
    const verification = verifyServerKeys(entry, { expectedServerName: peer.serverName });
    expect(verification.problems).toEqual([]);
    expect([...verification.verifyKeys.keys()]).toContain(peer.keyId);
  }
  return forPeer;
}

describe("notary key queries", () => {
  test(
    "a batch key query naming a server without key IDs returns that server's keys the notary holds",
    covers([fed.notaryBatchQuery], "server-server-api/#post_matrixkeyv2query"),
    async ({ hs, peer }) => {
      // "If no key IDs are given to be queried, the notary server should query for all keys."
      await notaryCopiesOfPeerKeys(hs, peer, {});
    },
  );

  test(
    "a batch key query returns another server's keys with that server's signature and the notary's",
    covers([fed.notaryBatchQuery], "server-server-api/#post_matrixkeyv2query"),
    async ({ hs, peer }) => {
      const own = peer.to(hs).must(await peer.to(hs).serverKeys());
      const notaryKeys = verifyServerKeys(own, { expectedServerName: hs.serverName }).verifyKeys;
      for (const entry of await notaryCopiesOfPeerKeys(hs, peer, { [peer.keyId]: { minimum_valid_until_ts: 0 } })) {
        const notarySignatures = [...notaryKeys].filter(([keyId, key]) => verifyJson(entry, hs.serverName, keyId, key));
        expect(notarySignatures.length, "no valid signature of the notary on the returned keys").toBeGreaterThan(0);
      }
    },
  );
});
