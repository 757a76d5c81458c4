import { ClientEvent, createClient, SyncState, type MatrixClient as SdkClient } from "matrix-js-sdk";
import { logger } from "matrix-js-sdk/lib/logger.js";

// matrix-js-sdk clients logged in to the homeserver under test, as a real client runs them.

export const SDK_WAIT_MS = 15_000;

// The SDK logs every sync; failures are reported through the assertions instead.
// Its logger is a loglevel logger at run time, though its declared type leaves setLevel out.
if ("setLevel" in logger && typeof logger.setLevel === "function") logger.setLevel("silent");

/** Resolves when `register` calls its callback with a value, or rejects after `ms` naming `what`. */
export function waitFor<T>(what: string, register: (done: (value: T) => void) => () => void, ms = SDK_WAIT_MS): Promise<T> {
  let unregister: () => void = () => {};
  const value = new Promise<T>((resolve) => {
    unregister = register(resolve);
  });
  return within(what, value, ms).finally(() => unregister());
}

/** Resolves as `promise` does, or rejects after `ms` naming `what` and, when given, the state `where` reports then. */
export function within<T>(what: string, promise: Promise<T>, ms = SDK_WAIT_MS, where?: () => string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`matrix-js-sdk: waited ${ms} ms for ${what}${where ? ` (${where()})` : ""}`)), ms);
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}

export interface SdkLogin {
  baseUrl: string;
  user: string;
  password: string;
  /** Start the client with matrix-js-sdk's Rust crypto, keys kept in memory. */
  crypto?: boolean;
}

/** Logs in with a password (a new device), starts the sync loop and waits for the first sync. */
export async function loggedInSdkClient({ baseUrl, user, password, crypto = false }: SdkLogin): Promise<SdkClient> {
  const login = await createClient({ baseUrl }).loginRequest({ type: "m.login.password", identifier: { type: "m.id.user", user }, password, initial_device_display_name: "gauntlet js-sdk" });
  const client = createClient({ baseUrl, accessToken: login.access_token, userId: login.user_id, deviceId: login.device_id });
  if (crypto) await client.initRustCrypto({ useIndexedDB: false });
  const prepared = waitFor<void>("the first sync to complete", (done) => {
    const onSync = (state: SyncState) => {
      if (state === SyncState.Prepared || state === SyncState.Syncing) done();
    };
    client.on(ClientEvent.Sync, onSync);
    return () => client.off(ClientEvent.Sync, onSync);
  });
  await client.startClient({ initialSyncLimit: 10 });
  await prepared;
  return client;
}
