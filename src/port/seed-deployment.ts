// Seeds a homeserver through the client-server API with a little of everything a database
// holds: users and their devices, rooms with state and timelines, media, account data and
// end-to-end encryption keys (client-server-api/#end-to-end-encryption).
import { MatrixClient } from "../client/client.ts";
import { crossSigningKeysFor, deviceKeysFor, oneTimeKeys } from "../client/device-keys.ts";
import { endpoints } from "../client/endpoints.ts";
import { withPasswordAuth } from "../client/uia.ts";
import type { Homeserver } from "../env/homeserver.ts";
import { provisionUser } from "../env/homeserver.ts";
import { randomSecret } from "../env/secrets.ts";

export interface SeededUser {
  readonly userId: string;
  readonly accessToken: string;
  readonly deviceId: string;
}

/** What was seeded, so that the reads know what to ask for. */
export interface SeededDeployment {
  readonly users: readonly SeededUser[];
  readonly rooms: readonly string[];
  /** mxc://server/id of every upload. */
  readonly media: readonly string[];
  readonly accountDataTypes: readonly string[];
}

export interface SeedSize {
  users: number;
  rooms: number;
  messagesPerRoom: number;
}

export const DEFAULT_SEED: SeedSize = { users: 3, rooms: 4, messagesPerRoom: 20 };

export async function seedDeployment(hs: Homeserver, size: SeedSize = DEFAULT_SEED): Promise<SeededDeployment> {
  const clients: MatrixClient[] = [];
  try {
    return await seedWith(hs, size, clients);
  } finally {
    for (const client of clients) client.close();
  }
}

async function seedWith(hs: Homeserver, size: SeedSize, clients: MatrixClient[]): Promise<SeededDeployment> {
  const users: SeededUser[] = [];
  const passwords: string[] = [];
  for (let i = 0; i < size.users; i++) {
    const password = randomSecret();
    passwords.push(password);
    const user = await provisionUser(hs, { localpart: `port-${i}-${Date.now().toString(36)}`, password, displayName: `Port user ${i}` });
    users.push({ userId: user.userId, accessToken: user.accessToken, deviceId: user.deviceId });
    clients.push(new MatrixClient({ baseUrl: hs.baseUrl, accessToken: user.accessToken, userId: user.userId, deviceId: user.deviceId }));
  }
  const [owner, ...others] = clients as [MatrixClient, ...MatrixClient[]];
  const rooms: string[] = [];
  for (let r = 0; r < size.rooms; r++) {
    const roomId = await owner.mustCreateRoom({ name: `Port room ${r}`, topic: `Topic of room ${r}`, preset: "public_chat" });
    await owner.mustSendState(roomId, "org.gauntlet.port", `key-${r}`, { value: r, nested: { list: [1, 2, 3] } });
    for (const other of others) await other.mustJoinRoom(roomId);
    for (let m = 0; m < size.messagesPerRoom; m++) {
      const sender = clients[m % clients.length]!;
      await sender.mustSendMessage(roomId, `message ${m} in room ${r}: ${"é✓ ".repeat(m % 4)}`);
    }
    rooms.push(roomId);
  }
  const media: string[] = [];
  for (const [index, client] of clients.entries()) {
    const bytes = Buffer.from(`media of user ${index}: ${randomSecret()}`);
    const uploaded = await client.raw(endpoints.mediaUpload, { body: bytes, contentType: "text/plain" });
    if (uploaded.status !== 200) throw new Error(`seeding media: upload answered HTTP ${uploaded.status}, expected 200`);
    media.push((uploaded.json as { content_uri: string }).content_uri);
  }
  const accountDataTypes = ["org.gauntlet.port.settings", "m.direct"];
  for (const [index, client] of clients.entries()) {
    client.must(await client.call(endpoints.setAccountData, { path: { userId: client.userId, type: accountDataTypes[0]! }, body: { theme: "dark", index } }));
    client.must(await client.call(endpoints.setAccountData, { path: { userId: client.userId, type: "m.direct" }, body: {} }));
    client.must(await client.call(endpoints.setRoomAccountData, { path: { userId: client.userId, roomId: rooms[0]!, type: "org.gauntlet.port.room" }, body: { pinned: index } }));
    client.must(await client.call(endpoints.updateDevice, { path: { deviceId: client.deviceId! }, body: { display_name: `Port device ${index}` } }));
    const { deviceKeys, signingKey } = deviceKeysFor(client.userId, client.deviceId!);
    client.must(await client.call(endpoints.keysUpload, { body: { device_keys: deviceKeys, one_time_keys: oneTimeKeys(client.userId, client.deviceId!, signingKey, 5) } }));
  }
  // Cross-signing keys of the first user (client-server-api/#cross-signing).
  owner.must(await withPasswordAuth(owner, endpoints.deviceSigningUpload, passwords[0]!, { body: crossSigningKeysFor(owner.userId).body }));
  return { users, rooms, media, accountDataTypes };
}
