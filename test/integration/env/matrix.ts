import { MatrixClient } from "../../../src/client/client.ts";
import { isMessage, timelineHas } from "../../../src/client/sync.ts";
import { provisionUser, type Homeserver } from "../../../src/env/homeserver.ts";
import type { ProvisionedUser } from "../../../src/env/profiles/types.ts";

/** A client-server client logged in as a user the environment provisioned. */
export function clientFor(baseUrl: string, user: ProvisionedUser): MatrixClient {
  return new MatrixClient({ baseUrl, accessToken: user.accessToken, userId: user.userId, deviceId: user.deviceId, timeoutMs: 30_000 });
}

/** Alice invites Bob to a private room and sends `text`; resolves once Bob's /sync shows it. */
export async function exchangeMessage(hs: Homeserver, text: string): Promise<{ alice: MatrixClient; bob: MatrixClient }> {
  const suffix = Math.random().toString(36).slice(2, 8);
  const alice = clientFor(hs.baseUrl, await provisionUser(hs, { localpart: `alice-${suffix}`, password: `pw-${suffix}` }));
  const bob = clientFor(hs.baseUrl, await provisionUser(hs, { localpart: `bob-${suffix}`, password: `pw-${suffix}` }));
  const roomId = await alice.mustCreateRoom({ preset: "private_chat", invite: [bob.userId] });
  await bob.mustJoinRoom(roomId);
  await alice.mustSendMessage(roomId, text);
  await bob.syncUntil(timelineHas(roomId, isMessage(text)), { timeoutMs: 60_000 });
  return { alice, bob };
}

