import type { AppserviceRegistration } from "../appservice/registration.ts";
import type { ResolvedImage } from "./images.ts";
import { getProfile } from "./profiles/index.ts";
import type { DatabaseKind, MailService, NewUser, ProvisionedUser } from "./profiles/types.ts";

/**
 * One homeserver of a run, as the run's state file keeps it: which implementation runs in which
 * image, where it listens, and how to administer it (secrets included; see `publicView`).
 */
export interface Homeserver {
  /** hs1, hs2: the role within the run. */
  name: string;
  /** The implementation's profile (synapse, dendrite, …); hs1 and hs2 may differ. */
  profile: string;
  image: ResolvedImage;
  serverName: string;
  baseUrl: string;
  /** host:port other servers connect to for federation (TLS). */
  federationAddress: string;
  federationUrl: string;
  containerId: string;
  database: { kind: DatabaseKind; name: string; host?: string; port?: number };
  signingKeyId: string;
  registrationSharedSecret: string;
  admin: ProvisionedUser;
  /** The harness's application service as registered with this homeserver (tokens included). */
  appservice?: AppserviceRegistration;
  /** The mail sink this homeserver sends its email to. */
  mail?: MailService;
}

/** Creates a user through the homeserver's profile (its admin route: no user-interactive auth). */
export function provisionUser(hs: Homeserver, user: NewUser): Promise<ProvisionedUser> {
  return getProfile(hs.profile).registerUser({ baseUrl: hs.baseUrl, registrationSharedSecret: hs.registrationSharedSecret }, user);
}
