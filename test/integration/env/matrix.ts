import { MatrixClient } from "../../../src/client/client.ts";
import type { ProvisionedUser } from "../../../src/env/profiles/types.ts";

/** A client-server client logged in as a user the environment provisioned. */
export function clientFor(baseUrl: string, user: ProvisionedUser): MatrixClient {
  return new MatrixClient({ baseUrl, accessToken: user.accessToken, userId: user.userId, deviceId: user.deviceId, timeoutMs: 30_000 });
}
