import { MatrixClient } from "../../../src/client/client.ts";
import { endpoints } from "../../../src/client/endpoints.ts";
import type { ProvisionedUser } from "../../../src/env/profiles/types.ts";

/** A client-server client logged in as a user the environment provisioned. */
export function clientFor(baseUrl: string, user: ProvisionedUser): MatrixClient {
  return new MatrixClient({ baseUrl, accessToken: user.accessToken, userId: user.userId, deviceId: user.deviceId, timeoutMs: 30_000 });
}

/** Joins a room through the given resident server (`via`, client-server API "Joining rooms"). */
export async function mustJoinVia(client: MatrixClient, roomId: string, server: string): Promise<string> {
  return client.must(await client.call(endpoints.join, { path: { roomIdOrAlias: roomId }, query: { via: server }, body: {} })).room_id;
}
