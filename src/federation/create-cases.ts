import type { JsonObject, RoomVersion } from "../protocol/index.ts";
import type { AuthRuleNumbers } from "./auth-rule-numbers.ts";
import type { CreateBreaker } from "./room.ts";

// Rooms whose m.room.create event breaks one authorisation rule (rooms/vN.md "Authorisation
// rules", rule 1 and the m.federate rule): a server asked to join such a room must refuse it.

export interface CreateCase {
  id: string;
  /** What the room's create event (or, for m.federate, the joiner's own join) breaks. */
  violates: string;
  /** The rule as the reference auth rules name it when they reject. */
  rule: string;
  /** The rule's number in the version's list, or undefined where the rule does not exist. */
  number: (numbers: AuthRuleNumbers, rules: RoomVersion) => string | undefined;
  breakCreate: CreateBreaker;
}

/** An event ID in the version's form that names no event. */
function missingEventReference(rules: RoomVersion, serverName: string): JsonObject["prev_events"] {
  return rules.eventIdFormat === "opaque" ? [[`$missing:${serverName}`, {}]] : [`$${"A".repeat(43)}`];
}

const domainOf = (id: string) => id.slice(id.indexOf(":") + 1);

export const CREATE_CASES: readonly CreateCase[] = [
  {
    id: "create-prev-events",
    violates: "a create event with prev_events",
    rule: "create.prev_events",
    number: (n) => `${n.create}.1`,
    breakCreate: (create, rules) => ({ ...create, prev_events: missingEventReference(rules, domainOf(String(create["sender"]))) }),
  },
  {
    id: "create-room-id-domain",
    violates: "a create event whose room_id is on another server than its sender",
    rule: "create.room_id",
    number: (n, rules) => (rules.roomIdIsCreateEventHash ? undefined : `${n.create}.2`),
    // Loopback with a port nothing listens on: never another host, even if a receiver looked it up.
    breakCreate: (create) => ({ ...create, room_id: `!${String(create["room_id"]).slice(1, String(create["room_id"]).indexOf(":"))}:localhost:1` }),
  },
  {
    id: "create-room-id-present",
    violates: "a create event with a room_id",
    rule: "create.room_id",
    number: (n, rules) => (rules.roomIdIsCreateEventHash ? `${n.create}.2` : undefined),
    breakCreate: (create) => ({ ...create, room_id: `!gauntlet:${domainOf(String(create["sender"]))}` }),
  },
  {
    id: "create-unknown-room-version",
    violates: "a create event whose content.room_version is no known room version",
    rule: "create.room_version",
    number: (n) => `${n.create}.3`,
    breakCreate: (create) => ({ ...create, content: { ...(create["content"] as JsonObject), room_version: "org.gauntlet.unknown" } }),
  },
  {
    id: "create-no-creator",
    violates: "a create event without content.creator",
    rule: "create.creator",
    number: (n, rules) => (rules.creatorIsCreateSender ? undefined : `${n.create}.4`),
    breakCreate: (create) => {
      const { creator: _creator, ...content } = create["content"] as JsonObject;
      return { ...create, content };
    },
  },
  {
    id: "create-additional-creators",
    violates: "a create event whose additional_creators holds a string that is no user ID",
    rule: "create.additional_creators",
    number: (n, rules) => (rules.privilegedCreators ? `${n.create}.4` : undefined),
    breakCreate: (create) => ({ ...create, content: { ...(create["content"] as JsonObject), additional_creators: ["not a user ID"] } }),
  },
  {
    id: "create-no-federate",
    violates: "a join from another server to a room whose create event sets m.federate to false",
    rule: "federate",
    number: (n) => `${n.federate}`,
    breakCreate: (create) => ({ ...create, content: { ...(create["content"] as JsonObject), "m.federate": false } }),
  },
];

/** The cases that apply to a room version, with their rule numbers. */
export function createCasesFor(rules: RoomVersion, numbers: AuthRuleNumbers): { createCase: CreateCase; number: string }[] {
  return CREATE_CASES.flatMap((createCase) => {
    const number = createCase.number(numbers, rules);
    return number === undefined ? [] : [{ createCase, number }];
  });
}
