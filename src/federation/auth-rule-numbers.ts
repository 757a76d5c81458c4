import type { RoomVersion } from "../protocol/index.ts";

// Where each authorisation rule sits in a room version's list (rooms/v1.md … rooms/v12.md
// "Authorisation rules"). The list is renumbered as versions add and drop rules: v6 drops
// m.room.aliases, v8 adds the restricted-join signature rule, v10 the integer power level
// rules, v12 the room ID rule and the creators rule.

export interface AuthRuleNumbers {
  readonly create: number;
  /** v12 rule 2: the room ID names the create event. */
  readonly roomId: number | undefined;
  readonly authEvents: number;
  readonly federate: number;
  /** v1–5 only. */
  readonly aliases: number | undefined;
  readonly member: number;
  readonly memberAuthoriser: string | undefined;
  readonly memberJoin: string;
  readonly memberInvite: string;
  readonly memberLeave: string;
  readonly memberBan: string;
  readonly memberKnock: string | undefined;
  readonly memberUnknown: string;
  /** The join sub-rule that rejects any other join rule ("Otherwise, reject"). */
  readonly joinOtherwise: string;
  readonly senderJoined: number;
  readonly thirdPartyInvite: number;
  readonly eventPower: number;
  readonly stateKeyUser: number;
  readonly powerLevels: number;
  /** Power level sub-rules, as `P.n`. */
  readonly plUsers: string;
  readonly plCreators: string | undefined;
  readonly plLevels: string;
  readonly plEventsChanged: string;
  readonly plEventsAdded: string;
  readonly plUsersChanged: string;
  readonly plUsersAdded: string;
  /** v1–2 only. */
  readonly redaction: number | undefined;
}

export function authRuleNumbers(rules: RoomVersion): AuthRuleNumbers {
  const v12 = rules.roomIdIsCreateEventHash;
  const authEvents = v12 ? 3 : 2;
  const federate = authEvents + 1;
  const aliases = rules.aliasesAuthRule ? federate + 1 : undefined;
  const member = (aliases ?? federate) + 1;
  const join = rules.restrictedJoins ? 3 : 2;
  const senderJoined = member + 1;
  const powerLevels = senderJoined + 4;
  // v10 puts two integer rules first; v12 adds the creators rule after the users rule.
  const users = rules.integerPowerLevels ? 3 : 1;
  const noPrevious = users + (rules.privilegedCreators ? 2 : 1);
  const levels = noPrevious + 1;
  const p = (n: number) => `${powerLevels}.${n}`;
  return {
    create: 1,
    roomId: v12 ? 2 : undefined,
    authEvents,
    federate,
    aliases,
    member,
    memberAuthoriser: rules.restrictedJoins ? `${member}.2` : undefined,
    memberJoin: `${member}.${join}`,
    memberInvite: `${member}.${join + 1}`,
    memberLeave: `${member}.${join + 2}`,
    memberBan: `${member}.${join + 3}`,
    memberKnock: rules.knocking ? `${member}.${join + 4}` : undefined,
    memberUnknown: `${member}.${join + (rules.knocking ? 5 : 4)}`,
    joinOtherwise: `${member}.${join}.${rules.restrictedJoins ? 7 : 6}`,
    senderJoined,
    thirdPartyInvite: senderJoined + 1,
    eventPower: senderJoined + 2,
    stateKeyUser: senderJoined + 3,
    powerLevels,
    plUsers: p(users),
    plCreators: rules.privilegedCreators ? p(users + 1) : undefined,
    plLevels: p(levels),
    plEventsChanged: p(levels + 1),
    plEventsAdded: p(levels + 2),
    plUsersChanged: p(levels + 3),
    plUsersAdded: p(levels + 4),
    redaction: rules.redactionAuthRule ? powerLevels + 1 : undefined,
  };
}

/** The spec section of a room version's authorisation rules. */
export function authRulesSection(rules: RoomVersion): string {
  return `rooms/v${rules.id}/#authorisation-rules`;
}
