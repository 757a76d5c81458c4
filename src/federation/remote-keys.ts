import { isJsonObject, type JsonObject } from "../protocol/json.ts";
import { verifyServerKeys } from "../protocol/index.ts";
import type { FederationClient } from "./transport.ts";

/**
 * Other servers' signing keys, fetched directly from each server's `/_matrix/key/v2/server`
 * (server-server API, "Retrieving server keys") and checked for a valid self-signature.
 */
export class RemoteKeyStore {
  readonly #client: FederationClient;
  readonly #keys = new Map<string, Map<string, Uint8Array>>();

  constructor(client: FederationClient) {
    this.#client = client;
  }

  /** The key, fetching the server's keys once if this key id is unknown; undefined if it has none such. */
  async key(serverName: string, keyId: string): Promise<Uint8Array | undefined> {
    const known = this.#keys.get(serverName)?.get(keyId);
    if (known) return known;
    await this.refresh(serverName);
    return this.#keys.get(serverName)?.get(keyId);
  }

  async refresh(serverName: string): Promise<void> {
    const response = await this.#client.get(serverName, "/_matrix/key/v2/server");
    if (response.status !== 200 || !isJsonObject(response.json)) {
      throw new Error(`GET /_matrix/key/v2/server on ${serverName}: expected 200 with JSON, got ${response.status} ${response.text.slice(0, 200)}`);
    }
    const verification = verifyServerKeys(response.json as JsonObject, { expectedServerName: serverName });
    if (!verification.valid) throw new Error(`${serverName}'s key response does not verify: ${verification.problems.join("; ")}`);
    this.#keys.set(serverName, new Map(verification.verifyKeys));
  }

  /** Keys known so far, synchronously, for verifiers that take a lookup function. */
  lookup(serverName: string, keyId: string): Uint8Array | undefined {
    return this.#keys.get(serverName)?.get(keyId);
  }
}
