import { registerWithToken } from "../../client/registration.ts";
import type { LocalImageRecipe } from "../images.ts";
import type { AdminAccess, ContainerPlan, HomeserverSpec, NewUser, ProvisionedUser } from "./types.ts";

/**
 * What Conduit and its forks (continuwuity, tuwunel) share: a single binary configured by one
 * TOML file, an embedded database in a directory, accounts made through the spec's registration
 * with a token, and an ed25519 key the server makes itself.
 */
export const CONDUIT_DIR = "/gauntlet";
export const CONDUIT_DATABASE_DIR = `${CONDUIT_DIR}/database`;
export const CONDUIT_CONFIG_FILE = `${CONDUIT_DIR}/homeserver.toml`;
export const CONDUIT_TLS_CERT = `${CONDUIT_DIR}/tls.crt`;
export const CONDUIT_TLS_KEY = `${CONDUIT_DIR}/tls.key`;
const CA_FILE = `${CONDUIT_DIR}/ca.crt`;

/** Configuration, TLS pair and run CA, as a Conduit-family plan places them. */
export function conduitFamilyFiles(spec: HomeserverSpec, configToml: string): ContainerPlan["files"] {
  const secret = 0o600;
  return [
    { path: CONDUIT_CONFIG_FILE, content: configToml, mode: secret },
    { path: CONDUIT_TLS_CERT, content: spec.tls.certPem },
    { path: CONDUIT_TLS_KEY, content: spec.tls.keyPem, mode: secret },
    { path: CA_FILE, content: spec.caCertPem },
  ];
}

/** rustls reads its roots from SSL_CERT_FILE (rustls-native-certs): outbound federation trusts the run CA only. */
export const conduitFamilyTrust = { SSL_CERT_FILE: CA_FILE, SSL_CERT_DIR: "/nonexistent" };

/**
 * No recipe builds these servers here: they are not on crates.io, and their sources are not
 * fetched by Gauntlet. A server built elsewhere comes in with `--binary`, an image with `--image`.
 */
export function noLocalBuild(displayName: string, registryImage: string, executable: string): LocalImageRecipe {
  const reason =
    `no ${displayName} image is here and none is built from source by Gauntlet: pull ${registryImage} where a registry answers, ` +
    `pass --image NAME, or build ${executable} yourself and pass --binary PATH (it is wrapped into the Debian-built base)`;
  return {
    description: `${displayName} (no local recipe)`,
    tag: () => `gauntlet/${executable}:unavailable`,
    canBuild: () => ({ ok: false, reason }),
    build: () => Promise.reject(new Error(reason)),
  };
}

/**
 * Registers through POST /register with the run's registration token. These servers make the
 * first account registered on them an admin: `admin` is what the caller asked for, which the
 * harness asks only for its first account (`gauntlet-admin`, registered right after start).
 */
export async function registerWithRegistrationToken(access: AdminAccess, user: NewUser): Promise<ProvisionedUser> {
  const account = await registerWithToken(access.baseUrl, user.localpart, user.password, access.registrationSharedSecret);
  return { ...account, admin: user.admin ?? false };
}
