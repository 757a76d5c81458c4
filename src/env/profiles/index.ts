import { conduitProfile } from "./conduit.ts";
import { continuwuityProfile, tuwunelProfile } from "./conduwuit.ts";
import { dendriteProfile } from "./dendrite.ts";
import { synapseProfile } from "./synapse.ts";
import type { HomeserverProfile } from "./types.ts";

export type { HomeserverProfile } from "./types.ts";

const profiles: Record<string, HomeserverProfile> = {
  synapse: synapseProfile,
  dendrite: dendriteProfile,
  conduit: conduitProfile,
  continuwuity: continuwuityProfile,
  tuwunel: tuwunelProfile,
};

export function profileNames(): string[] {
  return Object.keys(profiles);
}

export function getProfile(name: string): HomeserverProfile {
  const profile = profiles[name];
  if (!profile) throw new Error(`no homeserver profile "${name}" (known: ${profileNames().join(", ")})`);
  return profile;
}
