// Room versions 1–12 as one table of feature flags (rooms/v1.md … rooms/v12.md). Code asks the
// table what a version does; it never compares version numbers.

export type EventIdFormat = "opaque" | "reference-hash-standard" | "reference-hash-url-safe";
export type StateResolutionAlgorithm = "v1" | "v2" | "v2.1";
export type RedactionRules = "v1" | "v6" | "v8" | "v9" | "v11";

export interface RoomVersion {
  readonly id: string;
  /** v1–2 opaque `$x:domain`; v3 standard base64 of the reference hash; v4+ URL-safe. */
  readonly eventIdFormat: EventIdFormat;
  readonly stateResolution: StateResolutionAlgorithm;
  /** Which redaction algorithm applies (v1, v6, v8, v9, v11 fragments). */
  readonly redactionRules: RedactionRules;
  /** v1–2: `m.room.redaction` has its own auth rule (same domain or redact level). */
  readonly redactionAuthRule: boolean;
  /** v1–5: `m.room.aliases` is authorised by the sender's domain matching the state key. */
  readonly aliasesAuthRule: boolean;
  /** v5+: a key's `valid_until_ts` must cover the event's `origin_server_ts` (v5-signing-requirements). */
  readonly enforceKeyValidity: boolean;
  /** v6+: floats and out-of-range integers make an event invalid (v6-canonical-json). */
  readonly strictCanonicalJson: boolean;
  /** v6+: changes to `notifications` in power levels are checked like `events`. */
  readonly notificationsPowerLevels: boolean;
  /** v7+: `knock` membership and join rule. */
  readonly knocking: boolean;
  /** v8+: `restricted` join rule and `join_authorised_via_users_server`. */
  readonly restrictedJoins: boolean;
  /** v10+: `knock_restricted` join rule. */
  readonly knockRestricted: boolean;
  /** v10+: power levels must be integers, not numeric strings. */
  readonly integerPowerLevels: boolean;
  /** v11+: the creator is the create event's `sender`, not `content.creator`. */
  readonly creatorIsCreateSender: boolean;
  /** v11+: `redacts` lives in `content` of `m.room.redaction`. */
  readonly redactsInContent: boolean;
  /** v12: room ID is the create event's reference hash; the create event has no `room_id` and is never an auth event. */
  readonly roomIdIsCreateEventHash: boolean;
  /** v12: the create sender and `additional_creators` have infinite power. */
  readonly privilegedCreators: boolean;
  /** Largest allowed `depth` (v6+ limits integers to 2^53−1). */
  readonly maxDepth: bigint;
}

const V1: RoomVersion = {
  id: "1",
  eventIdFormat: "opaque",
  stateResolution: "v1",
  redactionRules: "v1",
  redactionAuthRule: true,
  aliasesAuthRule: true,
  enforceKeyValidity: false,
  strictCanonicalJson: false,
  notificationsPowerLevels: false,
  knocking: false,
  restrictedJoins: false,
  knockRestricted: false,
  integerPowerLevels: false,
  creatorIsCreateSender: false,
  redactsInContent: false,
  roomIdIsCreateEventHash: false,
  privilegedCreators: false,
  maxDepth: 2n ** 63n - 1n,
};

const V2: RoomVersion = { ...V1, id: "2", stateResolution: "v2" };
const V3: RoomVersion = { ...V2, id: "3", eventIdFormat: "reference-hash-standard", redactionAuthRule: false };
const V4: RoomVersion = { ...V3, id: "4", eventIdFormat: "reference-hash-url-safe" };
const V5: RoomVersion = { ...V4, id: "5", enforceKeyValidity: true };
const V6: RoomVersion = {
  ...V5,
  id: "6",
  redactionRules: "v6",
  aliasesAuthRule: false,
  strictCanonicalJson: true,
  notificationsPowerLevels: true,
  maxDepth: 2n ** 53n - 1n,
};
const V7: RoomVersion = { ...V6, id: "7", knocking: true };
const V8: RoomVersion = { ...V7, id: "8", redactionRules: "v8", restrictedJoins: true };
const V9: RoomVersion = { ...V8, id: "9", redactionRules: "v9" };
const V10: RoomVersion = { ...V9, id: "10", knockRestricted: true, integerPowerLevels: true };
const V11: RoomVersion = { ...V10, id: "11", redactionRules: "v11", creatorIsCreateSender: true, redactsInContent: true };
const V12: RoomVersion = {
  ...V11,
  id: "12",
  stateResolution: "v2.1",
  roomIdIsCreateEventHash: true,
  privilegedCreators: true,
};

export const ROOM_VERSIONS: ReadonlyMap<string, RoomVersion> = new Map(
  [V1, V2, V3, V4, V5, V6, V7, V8, V9, V10, V11, V12].map((version) => [version.id, version]),
);

/** Accepts a version id ("11") or an already-resolved RoomVersion. Throws on unknown ids. */
export function roomVersion(version: string | RoomVersion): RoomVersion {
  if (typeof version !== "string") return version;
  const found = ROOM_VERSIONS.get(version);
  if (!found) {
    throw new Error(`unknown room version ${JSON.stringify(version)}; known: ${[...ROOM_VERSIONS.keys()].join(", ")}`);
  }
  return found;
}

export function isKnownRoomVersion(version: string): boolean {
  return ROOM_VERSIONS.has(version);
}
