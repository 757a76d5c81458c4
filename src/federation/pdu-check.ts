import {
  authEventsFor,
  canonicalJson,
  computeEventId,
  redactEvent,
  referencedEventIds,
  verifyEvent,
  type JsonObject,
  type Pdu,
  type RoomEvent,
  type RoomVersion,
  type StateMapKey,
  type VerifyKeys,
} from "../protocol/index.ts";

/** The rule of the server-server API a PDU broke. */
export type PduRule = "signature" | "content hash" | "event ID" | "auth_events" | "prev_events";

/** A PDU a homeserver sent that breaks a rule, with where it was seen. */
export interface PduViolation {
  /** Where the PDU came from: the request or the answer that carried it. */
  where: string;
  eventId: string;
  type: string;
  rule: PduRule;
  detail: string;
}

/** What is known about a PDU besides itself, for the checks that need context. */
export interface PduCheckContext {
  version: RoomVersion;
  /** Public keys of the servers whose signatures the event needs. */
  keys: VerifyKeys;
  where: string;
  /** The ID the event was asked for or announced under (the path of /event, send_join, invite). */
  expectedEventId?: string;
  /** The room state before the event, event IDs by (type, state_key): its auth_events must be the selection from it. */
  stateBefore?: ReadonlyMap<StateMapKey, string>;
  /** Whether an event ID is known; absent, prev_events are not checked. */
  knows?: (eventId: string) => boolean;
}

/** Whether the event is in its redacted form: a redacted event keeps its signatures but not its content hash. */
function isRedactedForm(pdu: Pdu, version: RoomVersion): boolean {
  const { unsigned: _unsigned, ...rest } = pdu as JsonObject;
  try {
    return canonicalJson(redactEvent(rest, version)) === canonicalJson(rest);
  } catch {
    return false;
  }
}

/** The content hash, signature, event ID, auth_events and prev_events rules (server-server-api/#checks-performed-on-receipt-of-a-pdu, #auth-events-selection). */
export function checkPdu(pdu: Pdu, context: PduCheckContext): PduViolation[] {
  const { version } = context;
  let eventId: string;
  try {
    eventId = computeEventId(pdu, version);
  } catch (error) {
    return [{ where: context.where, eventId: "(none)", type: String(pdu.type), rule: "event ID", detail: `no event ID can be computed: ${(error as Error).message}` }];
  }
  const violations: PduViolation[] = [];
  const broke = (rule: PduRule, detail: string) => violations.push({ where: context.where, eventId, type: String(pdu.type), rule, detail });
  const verdict = verifyEvent(pdu, version, context.keys);
  if (!verdict.signaturesValid) broke("signature", verdict.problems.filter((p) => !p.startsWith("content hash")).join("; ") || "no signature verifies");
  // "If the hash check fails, the event is redacted": a redacted event is the only one allowed a mismatch.
  if (!verdict.contentHashMatches && !isRedactedForm(pdu, version)) broke("content hash", "hashes.sha256 does not match the event's content, and the event is not in its redacted form");
  if (context.expectedEventId !== undefined && context.expectedEventId !== eventId) {
    broke("event ID", `asked for or announced as ${context.expectedEventId}, but its reference hash gives ${eventId}`);
  }
  if (context.stateBefore) {
    const shape = pdu as unknown as Pick<RoomEvent, "type" | "sender" | "content"> & { state_key?: string };
    const expected = authEventsFor(shape, context.stateBefore, version).sort();
    const actual = referencedEventIds(pdu["auth_events"] as string[]).sort();
    if (canonicalJson(expected) !== canonicalJson(actual)) {
      broke("auth_events", `auth_events ${JSON.stringify(actual)}, but the auth events selection from the state before it is ${JSON.stringify(expected)}`);
    }
  }
  if (context.knows) {
    const unknown = referencedEventIds(pdu["prev_events"] as string[]).filter((id) => !context.knows!(id));
    if (unknown.length > 0) broke("prev_events", `prev_events ${JSON.stringify(unknown)} name events the homeserver never sent or served`);
  }
  return violations;
}

/** One line per violation: where, which event, which rule, and how. */
export function describePduViolations(violations: readonly PduViolation[]): string {
  return violations.map((v) => `${v.where}: ${v.type} ${v.eventId} breaks the ${v.rule} rule: ${v.detail}`).join("\n");
}
