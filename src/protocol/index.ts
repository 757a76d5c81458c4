// Public API of the protocol core: pure functions over Matrix JSON, no I/O.

export type { JsonObject, JsonValue } from "./json.ts";
export { canonicalJson, canonicalJsonBytes, compareCodepoints, CanonicalJsonError } from "./canonical-json.ts";
export { checkCanonical, type Violation, type ViolationKind } from "./check-canonical.ts";
export { encodeBase64, encodeBase64Url, decodeBase64, decodeBase64Url } from "./base64.ts";
export {
  signingKeyFromSeed,
  signJson,
  verifyJson,
  signBytes,
  verifyBytes,
  isValidKeyId,
  type SigningKey,
} from "./signing.ts";
export { ROOM_VERSIONS, roomVersion, isKnownRoomVersion, type RoomVersion } from "./room-versions.ts";
export {
  referencedEventIds,
  stateMapKey,
  splitStateMapKey,
  domainOf,
  isValidUserId,
  type Pdu,
  type RoomEvent,
  type EventReference,
  type StateMapKey,
} from "./event.ts";
export { redactEvent } from "./redaction.ts";
export { computeContentHash, computeReferenceHash, computeEventId, roomIdFromCreateEvent } from "./event-hashes.ts";
export { signEvent, verifyEvent, type VerifyKey, type VerifyKeys, type EventVerification } from "./event-signing.ts";
export {
  buildServerKeys,
  verifyServerKeys,
  keyValidForEvent,
  MAX_KEY_VALIDITY_MS,
  type ServerKeysInput,
  type ServerKeysVerification,
} from "./server-keys.ts";
export {
  signXMatrixRequest,
  parseXMatrixHeader,
  verifyXMatrixRequest,
  XMatrixParseError,
  type FederationRequest,
  type XMatrixAuthorization,
  type XMatrixVerification,
} from "./x-matrix.ts";
export { authCheck, checkAuthEventsList, type AuthResult, type AuthCheckOptions } from "./auth/auth-rules.ts";
export { authEventsFor, authTypesFor } from "./auth/auth-events-selection.ts";
export { toAuthState, type AuthState } from "./auth/auth-state.ts";
export { powerLevelsFrom, userPowerLevel, roomCreators, type PowerLevels } from "./auth/power-levels.ts";
export {
  resolveState,
  resolveStateWithTrace,
  separate,
  type StateMap,
  type ResolveStateOptions,
  type ResolutionTrace,
} from "./state-res/resolve-state.ts";
export { authDifference, conflictedSubgraph, authClosure } from "./state-res/event-graph.ts";
export { lexicographicalTopologicalSort } from "./state-res/topological-sort.ts";
export { reverseTopologicalPowerOrder, isPowerEvent } from "./state-res/power-ordering.ts";
export { mainlineOrder } from "./state-res/mainline-ordering.ts";
