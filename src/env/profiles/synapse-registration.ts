import { createHmac } from "node:crypto";
import type { AdminAccess, NewUser, ProvisionedUser } from "./types.ts";

const REGISTER_PATH = "/_synapse/admin/v1/register";

/**
 * The MAC Synapse's shared-secret registration expects: HMAC-SHA1 keyed with the shared
 * secret over nonce, username, password and admin flag, NUL-separated, hex-encoded.
 */
export function registrationMac(secret: string, nonce: string, username: string, password: string, admin: boolean, userType?: string): string {
  const mac = createHmac("sha1", secret);
  mac.update(nonce);
  mac.update("\x00");
  mac.update(username);
  mac.update("\x00");
  mac.update(password);
  mac.update("\x00");
  mac.update(admin ? "admin" : "notadmin");
  if (userType) {
    mac.update("\x00");
    mac.update(userType);
  }
  return mac.digest("hex");
}

async function readJson(response: Response, what: string): Promise<Record<string, unknown>> {
  const text = await response.text();
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch {
    throw new Error(`${what}: expected JSON, got HTTP ${response.status} ${JSON.stringify(text.slice(0, 300))}`);
  }
}

/** Registers a user through Synapse's shared-secret registration API. */
export async function registerWithSharedSecret(access: AdminAccess, user: NewUser, timeoutMs = 30_000): Promise<ProvisionedUser> {
  const url = new URL(REGISTER_PATH, access.baseUrl);
  const nonceResponse = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
  const nonceBody = await readJson(nonceResponse, `GET ${REGISTER_PATH}`);
  if (nonceResponse.status !== 200 || typeof nonceBody.nonce !== "string") {
    throw new Error(`GET ${REGISTER_PATH}: expected 200 with a nonce, got HTTP ${nonceResponse.status} ${JSON.stringify(nonceBody)}`);
  }
  const admin = user.admin ?? false;
  const body = {
    nonce: nonceBody.nonce,
    username: user.localpart,
    password: user.password,
    admin,
    ...(user.displayName ? { displayname: user.displayName } : {}),
    mac: registrationMac(access.registrationSharedSecret, nonceBody.nonce, user.localpart, user.password, admin),
  };
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(timeoutMs),
  });
  const result = await readJson(response, `POST ${REGISTER_PATH}`);
  if (response.status !== 200 || typeof result.access_token !== "string" || typeof result.user_id !== "string") {
    // The request carried a password and a MAC: say what came back, never what was sent.
    throw new Error(`POST ${REGISTER_PATH} for ${user.localpart}: expected 200 with an access token, got HTTP ${response.status} ${JSON.stringify(result)}`);
  }
  return {
    userId: result.user_id,
    accessToken: result.access_token,
    deviceId: String(result.device_id ?? ""),
    localpart: user.localpart,
    password: user.password,
    admin,
  };
}
