import { randomBytes } from "node:crypto";
import type { HomeserverSecrets } from "./profiles/types.ts";

/** 192 random bits, URL-safe: for passwords and shared secrets that exist for one run only. */
export function randomSecret(): string {
  return randomBytes(24).toString("base64url");
}

export function homeserverSecrets(): HomeserverSecrets {
  return { registrationSharedSecret: randomSecret(), macaroonSecretKey: randomSecret(), formSecret: randomSecret() };
}

/**
 * A fresh ed25519 signing key in the form Synapse's key file uses: version and unpadded base64
 * seed. The version is hex: key IDs allow only [a-zA-Z0-9_] (appendices, "Signing key").
 */
export function newSigningKey(): { version: string; seedBase64: string } {
  return {
    version: `a_${randomBytes(3).toString("hex")}`,
    seedBase64: randomBytes(32).toString("base64").replace(/=+$/, ""),
  };
}
