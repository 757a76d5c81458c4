import { MatrixEvent, MatrixEventEvent, Method, MsgType, Preset, RoomMemberEvent, type AuthDict, type MatrixClient as SdkClient, type RoomMember } from "matrix-js-sdk";
import { CryptoEvent, DecryptionFailureCode, VerificationPhase, VerifierEvent, type VerificationRequest, type Verifier } from "matrix-js-sdk/lib/crypto-api/index.js";
import { expect } from "vitest";
import { endpoints } from "../../src/client/endpoints.ts";
import { readUntil } from "../../src/client/poll.ts";
import { federationEndpoints } from "../../src/federation/endpoints.ts";
import { decodeBase64 } from "../../src/protocol/base64.ts";
import type { JsonObject } from "../../src/protocol/json.ts";
import { verifyJson } from "../../src/protocol/signing.ts";
import type { DeploymentHomeserver } from "../../src/deployment/deployment.ts";
import { covers, describe, test } from "../fixtures.ts";
import { loggedInSdkClient, waitFor, within } from "./sdk-client.ts";

// End-to-end encryption as real clients do it: matrix-js-sdk with its Rust crypto (in-memory
// stores). Each endpoint can pass a schema check and still fail here, where the devices, one-time
// keys, to-device messages, key backup and cross-signing signatures must all fit together.

const E2EE_WAIT_MS = 30_000;
const MEGOLM = "m.megolm.v1.aes-sha2";

/**
 * Confirms the SAS emojis as a user would once they show, including when they showed before this
 * was called; resolves when the confirmation (the MAC) has been sent.
 */
function confirmEmojis(verifier: Verifier): Promise<void> {
  const shown = verifier.getShowSasCallbacks();
  if (shown) return shown.confirm();
  return new Promise((resolve, reject) => verifier.once(VerifierEvent.ShowSas, (sas) => sas.confirm().then(resolve, reject)));
}

const KEYS_AND_TO_DEVICE = [endpoints.keysUpload, endpoints.keysQuery, endpoints.keysClaim, endpoints.sendToDevice, endpoints.sync, endpoints.sendEvent];

interface CryptoUser {
  readonly client: SdkClient;
  readonly localpart: string;
  readonly password: string;
  readonly baseUrl: string;
}

async function cryptoUser(hs: DeploymentHomeserver, prefix: string): Promise<CryptoUser> {
  const user = await hs.newUser(prefix);
  user.client.close();
  const client = await loggedInSdkClient({ baseUrl: hs.baseUrl, user: user.localpart, password: user.password, crypto: true });
  return { client, localpart: user.localpart, password: user.password, baseUrl: hs.baseUrl };
}

/** The password stage of user-interactive auth, as the user would answer it. */
function passwordAuth(user: CryptoUser): AuthDict {
  return { type: "m.login.password", identifier: { type: "m.id.user", user: user.localpart }, password: user.password };
}

/** Another device of the same account: a new login with its own keys. */
function secondDevice(user: CryptoUser): Promise<SdkClient> {
  return loggedInSdkClient({ baseUrl: user.baseUrl, user: user.localpart, password: user.password, crypto: true });
}

/** The client's view of an event once it has tried to decrypt it. */
async function decrypted(client: SdkClient, roomId: string, eventId: string): Promise<MatrixEvent> {
  const event = await readUntil(`${client.getUserId()} to receive ${eventId}`, async () => client.getRoom(roomId)?.findEventById(eventId), (e) => e !== undefined, { timeoutMs: E2EE_WAIT_MS });
  await client.decryptEventIfNeeded(event as MatrixEvent);
  if ((event as MatrixEvent).isBeingDecrypted()) {
    await waitFor<void>(`${eventId} to be decrypted by ${client.getUserId()}`, (done) => {
      event!.once(MatrixEventEvent.Decrypted, () => done());
      return () => {};
    }, E2EE_WAIT_MS);
  }
  return event as MatrixEvent;
}

/** Waits until `client` has seen `userId` join `roomId`, so that its next message is encrypted for them. */
function seesJoin(client: SdkClient, roomId: string, userId: string): Promise<void> {
  if (client.getRoom(roomId)?.getMember(userId)?.membership === "join") return Promise.resolve();
  return waitFor<void>(`${client.getUserId()} to see ${userId} join`, (done) => {
    const onMembership = (_event: MatrixEvent, member: RoomMember) => {
      if (member.roomId === roomId && member.userId === userId && member.membership === "join") done();
    };
    client.on(RoomMemberEvent.Membership, onMembership);
    return () => client.off(RoomMemberEvent.Membership, onMembership);
  }, E2EE_WAIT_MS);
}

/** An encrypted room created by `owner` with `member` joined, both clients aware of each other. */
async function encryptedRoom(owner: SdkClient, member: SdkClient): Promise<string> {
  const { room_id: roomId } = await owner.createRoom({
    preset: Preset.PrivateChat,
    invite: [member.getUserId()!],
    initial_state: [{ type: "m.room.encryption", state_key: "", content: { algorithm: MEGOLM } }],
  });
  await readUntil(`${member.getUserId()} to be invited`, async () => member.getRoom(roomId)?.getMyMembership(), (m) => m === "invite", { timeoutMs: E2EE_WAIT_MS });
  await member.joinRoom(roomId);
  await seesJoin(owner, roomId, member.getUserId()!);
  await readUntil(`${member.getUserId()} to know ${roomId} is encrypted`, () => member.getCrypto()!.isEncryptionEnabledInRoom(roomId), (on) => on, { timeoutMs: E2EE_WAIT_MS });
  return roomId;
}

/** Sends `body` from `from` and checks that the server stored only ciphertext and `to` decrypts it. */
async function exchange(from: SdkClient, to: SdkClient, roomId: string, body: string): Promise<void> {
  const { event_id: eventId } = await from.sendMessage(roomId, { msgtype: MsgType.Text, body });
  const event = await decrypted(to, roomId, eventId);
  expect(event.isDecryptionFailure(), `${to.getUserId()} failed to decrypt: ${event.decryptionFailureReason}`).toBe(false);
  expect(event.getWireType()).toBe("m.room.encrypted");
  expect(event.getContent().body).toBe(body);
  // What the recipient's server holds: a Megolm ciphertext, never the message.
  const raw = (await to.fetchRoomEvent(roomId, eventId)) as { type: string; content: Record<string, unknown> };
  expect(raw.type).toBe("m.room.encrypted");
  expect(raw.content.algorithm).toBe(MEGOLM);
  expect(JSON.stringify(raw.content)).not.toContain(body);
}

/** Alice on one homeserver and bob on another (or the same) exchange a secret each way in an encrypted room. */
async function conversation(aliceHs: DeploymentHomeserver, bobHs: DeploymentHomeserver, stop: (...clients: SdkClient[]) => void): Promise<void> {
  const alice = await cryptoUser(aliceHs, "e2ee-alice");
  const bob = await cryptoUser(bobHs, "e2ee-bob");
  stop(alice.client, bob.client);
  const roomId = await encryptedRoom(alice.client, bob.client);
  await exchange(alice.client, bob.client, roomId, `secret from alice on ${aliceHs.name}`);
  await exchange(bob.client, alice.client, roomId, `secret from bob on ${bobHs.name}`);
}

const e2eeTest = test.extend<{ stop: (...clients: SdkClient[]) => void }>({
  // Every SDK client a test starts is stopped after it, whatever the outcome.
  stop: async ({}, use) => {
    const started: SdkClient[] = [];
    await use((...clients) => started.push(...clients));
    for (const client of started) client.stopClient();
  },
});

describe("end-to-end encryption with matrix-js-sdk's Rust crypto", { timeout: 180_000 }, () => {
  e2eeTest("two users in an encrypted room each decrypt the other's messages", covers(KEYS_AND_TO_DEVICE, "client-server-api/#end-to-end-encryption"), async ({ hs, stop }) => {
    await conversation(hs, hs, stop);
  });

  e2eeTest(
    "users on two homeservers each decrypt the other's messages",
    covers([...KEYS_AND_TO_DEVICE, federationEndpoints.sendTransaction, federationEndpoints.keysQuery, federationEndpoints.keysClaim], "client-server-api/#end-to-end-encryption"),
    async ({ hs, hs2, stop }) => {
      await conversation(hs, hs2, stop);
    },
  );

  e2eeTest(
    "a second device restores the room keys from key backup and decrypts history",
    covers([endpoints.createBackupVersion, endpoints.latestBackupVersion, endpoints.putAllKeys, endpoints.getAllKeys, ...KEYS_AND_TO_DEVICE], "client-server-api/#server-side-key-backups"),
    async ({ hs, stop }) => {
      const alice = await cryptoUser(hs, "e2ee-alice");
      const bob = await cryptoUser(hs, "e2ee-bob");
      stop(alice.client, bob.client);
      const crypto = alice.client.getCrypto()!;
      await crypto.resetKeyBackup();
      const roomId = await encryptedRoom(alice.client, bob.client);
      const { event_id: eventId } = await alice.client.sendMessage(roomId, { msgtype: MsgType.Text, body: "before the second device" });
      // The backup uploads room keys in the background; wait until the server holds one.
      const version = await crypto.getActiveSessionBackupVersion();
      expect(version, "alice's backup version after resetKeyBackup").not.toBeNull();
      await readUntil("the room key to reach the backup", () => alice.client.http.authedRequest<{ rooms: Record<string, unknown> }>(Method.Get, "/room_keys/keys", { version: version! }), (keys) => roomId in keys.rooms, { timeoutMs: E2EE_WAIT_MS });

      // A device that logs in later got no room key when the message was sent.
      const later = await secondDevice(alice);
      stop(later);
      const before = await decrypted(later, roomId, eventId);
      expect(before.isDecryptionFailure(), "the new device decrypted a message sent before it existed, without any key").toBe(true);
      // Given the backup's recovery key (as a user types it), it restores the key and decrypts.
      await later.getCrypto()!.storeSessionBackupPrivateKey((await crypto.getSessionBackupPrivateKey())!, version!);
      const restored = await later.getCrypto()!.restoreKeyBackup();
      expect(restored.imported).toBeGreaterThanOrEqual(1);
      await later.decryptEventIfNeeded(before, { isRetry: true });
      expect(before.isDecryptionFailure()).toBe(false);
      expect(before.getContent().body).toBe("before the second device");
    },
  );

  e2eeTest(
    "cross-signing: after a verification, the signature alice's user-signing key made on bob's master key verifies",
    covers([endpoints.deviceSigningUpload, endpoints.signaturesUpload, endpoints.keysQuery, endpoints.sendEvent], "client-server-api/#cross-signing"),
    async ({ hs, stop }) => {
      const alice = await cryptoUser(hs, "e2ee-alice");
      const bob = await cryptoUser(hs, "e2ee-bob");
      stop(alice.client, bob.client);
      for (const user of [alice, bob]) {
        // Uploading cross-signing keys is user-interactive: the password stage.
        await user.client.getCrypto()!.bootstrapCrossSigning({
          authUploadDeviceSigningKeys: async (makeRequest) => {
            await makeRequest(passwordAuth(user));
          },
        });
      }
      const roomId = await encryptedRoom(alice.client, bob.client);
      const bobId = bob.client.getUserId()!;
      const aliceId = alice.client.getUserId()!;
      // Bob accepts the request and confirms the emojis; alice starts SAS and confirms hers.
      const received = waitFor<VerificationRequest>("bob to receive alice's verification request", (done) => {
        bob.client.on(CryptoEvent.VerificationRequestReceived, done);
        return () => bob.client.off(CryptoEvent.VerificationRequestReceived, done);
      }, E2EE_WAIT_MS);
      const request = await within("alice's verification request to be sent", alice.client.getCrypto()!.requestVerificationDM(bobId, roomId), E2EE_WAIT_MS);
      const incoming = await received;
      await within("bob's acceptance to be sent", incoming.accept(), E2EE_WAIT_MS);
      await readUntil("alice's request to be ready", async () => request.phase, (phase) => phase >= VerificationPhase.Ready, { timeoutMs: E2EE_WAIT_MS });
      const aliceVerifier = await within("alice's SAS start to be sent", request.startVerification("m.sas.v1"), E2EE_WAIT_MS);
      const bobVerifier = (await readUntil("bob's verifier", async () => incoming.verifier, (v) => v !== undefined, { timeoutMs: E2EE_WAIT_MS }))!;
      const phases = () => `alice's request in phase ${VerificationPhase[request.phase]}, bob's in ${VerificationPhase[incoming.phase]}`;
      const verified = within("both sides to finish the SAS verification", Promise.all([aliceVerifier.verify(), bobVerifier.verify()]), E2EE_WAIT_MS * 2, phases);
      verified.catch(() => undefined);
      // Bob confirms first and alice once his confirmation is sent, as two people comparing emojis
      // would. Confirming both the moment the emojis showed let alice's MAC reach bob 27 ms before
      // his own key's PUT returned, and bob's matrix-js-sdk then never sent its done (1 run in 8).
      await within("bob's confirmation of the emojis to be sent", confirmEmojis(bobVerifier), E2EE_WAIT_MS, phases);
      await within("alice's confirmation of the emojis to be sent", confirmEmojis(aliceVerifier), E2EE_WAIT_MS, phases);
      await verified;
      await readUntil("alice to trust bob's identity", () => alice.client.getCrypto()!.getUserVerificationStatus(bobId), (status) => status.isCrossSigningVerified(), { timeoutMs: E2EE_WAIT_MS });

      // What the server stores: alice's signature on bob's master key, which the protocol core checks.
      const keys = await alice.client.http.authedRequest<{ master_keys: Record<string, { keys: Record<string, string>; signatures?: Record<string, Record<string, string>> }>; user_signing_keys: Record<string, { keys: Record<string, string> }> }>(
        Method.Post, "/keys/query", undefined, { device_keys: { [bobId]: [], [aliceId]: [] } },
      );
      const bobMaster = keys.master_keys[bobId]!;
      const [userSigningKeyId, userSigningKey] = Object.entries(keys.user_signing_keys[aliceId]!.keys)[0]!;
      expect(bobMaster.signatures?.[aliceId]?.[userSigningKeyId], "alice's user-signing signature on bob's master key").toBeDefined();
      expect(verifyJson(bobMaster as JsonObject, aliceId, userSigningKeyId, decodeBase64(userSigningKey))).toBe(true);
    },
  );

  e2eeTest(
    "a message sent before a device existed is not decryptable there, and the client reports it as history without a key backup",
    covers(KEYS_AND_TO_DEVICE, "client-server-api/#end-to-end-encryption"),
    async ({ hs, stop }) => {
      const alice = await cryptoUser(hs, "e2ee-alice");
      const bob = await cryptoUser(hs, "e2ee-bob");
      stop(alice.client, bob.client);
      const roomId = await encryptedRoom(alice.client, bob.client);
      const { event_id: eventId } = await alice.client.sendMessage(roomId, { msgtype: MsgType.Text, body: "for bob's first device only" });
      // Bob's first device is deleted from the server; his new device never got the room key.
      const firstDevice = bob.client.getDeviceId()!;
      bob.client.stopClient();
      const later = await secondDevice(bob);
      stop(later);
      await later.deleteDevice(firstDevice, passwordAuth(bob));
      const event = await decrypted(later, roomId, eventId);
      expect(event.isDecryptionFailure()).toBe(true);
      // The SDK tells a message older than the device, with no backup to restore from, from a key still to come.
      expect(event.decryptionFailureReason).toBe(DecryptionFailureCode.HISTORICAL_MESSAGE_NO_KEY_BACKUP);
    },
  );
});
