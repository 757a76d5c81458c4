import {
  authCheck,
  checkAuthEventsList,
  computeEventId,
  referencedEventIds,
  type AuthResult,
  type JsonObject,
  type Pdu,
  type RoomEvent,
} from "../protocol/index.ts";
import { casesFor, type AuthRuleCase } from "./auth-cases.ts";
import { authRuleNumbers } from "./auth-rule-numbers.ts";
import type { NewEvent, PeerRoom, StoredEvent } from "./room.ts";

// Builds the events of authorisation-rule cases into a peer room, judging each with the
// reference auth rules exactly as a receiving server does (server-server API, "Checks performed
// on receipt of a PDU", step 4: against the event's own auth events).

/**
 * What an event is for: preparing state, breaking the case's rule, satisfying it, or an event
 * that must be rejected on the way (for another rule) so that the violation can cite it.
 */
export type StepRole = "setup" | "violation" | "control" | "rejected";

export interface AuthCaseStep {
  readonly caseId: string;
  readonly role: StepRole;
  readonly event: StoredEvent;
  /** The reference verdict against the event's own auth events. */
  readonly reference: AuthResult;
}

/** Changes an unsigned event just before signing (auth_events, content the builder would not write). */
export type EventTweak = (event: JsonObject) => JsonObject;

/** Signs an event as the server of its sender (the federation peer). */
export type PeerSigner = (event: JsonObject) => Pdu;

export interface CaseBuilderOptions {
  room: PeerRoom;
  sign: PeerSigner;
  /** The room's creator, a user of the peer. */
  creator: string;
  /** The peer's server name: case users live there. */
  serverName: string;
  /** A joined user of another server (the homeserver under test), which the peer cannot sign for. */
  foreignUser: string;
  /** An event of another server in the room (v1–2 redactions compare event ID domains). */
  foreignEventId: string;
}

function toRoomEvent(stored: StoredEvent): RoomEvent {
  return { ...(stored.pdu as unknown as RoomEvent), event_id: stored.eventId };
}

/** The events an event's auth_events cite, as far as the room knows them. */
export function citedAuthEvents(room: PeerRoom, stored: StoredEvent): RoomEvent[] {
  return referencedEventIds(stored.pdu["auth_events"] as string[])
    .map((id) => room.event(id))
    .filter((e): e is StoredEvent => e !== undefined)
    .map(toRoomEvent);
}

/** The auth state an event is checked against: its auth events, plus in v12 the create event its room ID names (rooms/v12.md rule 2). */
export function withCreateEvent(room: PeerRoom, authEvents: RoomEvent[]): RoomEvent[] {
  const create = room.version.roomIdIsCreateEventHash ? room.event(`$${room.roomId.slice(1)}`) : undefined;
  return create ? [toRoomEvent(create), ...authEvents] : authEvents;
}

/**
 * One room's run of cases: every event extends the room's current state; setup and control
 * events are appended when the reference allows them, violations are kept by ID only (the peer
 * serves them, but they never become state or prev_events).
 */
export class AuthCaseBuilder {
  readonly steps: AuthCaseStep[] = [];
  readonly options: CaseBuilderOptions;
  readonly #rejected = new Set<string>();
  #caseId = "";
  #caseIndex = 0;

  constructor(options: CaseBuilderOptions) {
    this.options = options;
  }

  get room(): PeerRoom {
    return this.options.room;
  }

  get creator(): string {
    return this.options.creator;
  }

  /** Runs one case; afterwards the join rule and power levels are put back as they were. */
  run(ruleCase: AuthRuleCase): void {
    this.#caseId = ruleCase.id;
    this.#caseIndex += 1;
    const joinRule = this.content("m.room.join_rules");
    const powerLevels = this.content("m.room.power_levels");
    ruleCase.build(this);
    if (JSON.stringify(this.content("m.room.join_rules")) !== JSON.stringify(joinRule)) {
      this.setup({ type: "m.room.join_rules", stateKey: "", sender: this.creator, content: joinRule });
    }
    if (JSON.stringify(this.content("m.room.power_levels")) !== JSON.stringify(powerLevels)) {
      this.setup({ type: "m.room.power_levels", stateKey: "", sender: this.creator, content: powerLevels });
    }
  }

  /** A user of the peer that belongs to the current case alone. */
  user(name: string): string {
    return `@c${this.#caseIndex}_${name}:${this.options.serverName}`;
  }

  content(type: string, stateKey = ""): JsonObject {
    return structuredClone(this.room.stateEvent(type, stateKey)?.pdu.content ?? {});
  }

  /** The creator's power levels event after `change` edits a copy of the current content. */
  powerLevels(change: (content: JsonObject) => void, sender = this.creator): NewEvent {
    const content = this.content("m.room.power_levels");
    change(content);
    return { type: "m.room.power_levels", stateKey: "", sender, content };
  }

  /** Sets `users[user] = level` (by the creator) as setup. */
  grant(user: string, level: number): void {
    this.setup(this.powerLevels((c) => void (c["users"] = { ...(c["users"] as JsonObject), [user]: level })));
  }

  joinRule(rule: string, extra: JsonObject = {}): NewEvent {
    return { type: "m.room.join_rules", stateKey: "", sender: this.creator, content: { join_rule: rule, ...extra } };
  }

  member(sender: string, membership: string, target = sender, extra: JsonObject = {}): NewEvent {
    return { type: "m.room.member", sender, stateKey: target, content: { membership, ...extra } };
  }

  join(user: string): StoredEvent {
    return this.setup(this.member(user, "join"));
  }

  setup(event: NewEvent, tweak?: EventTweak): StoredEvent {
    return this.#step("setup", event, tweak);
  }

  violation(event: NewEvent, tweak?: EventTweak): StoredEvent {
    return this.#step("violation", event, tweak);
  }

  rejected(event: NewEvent, tweak?: EventTweak): StoredEvent {
    return this.#step("rejected", event, tweak);
  }

  control(event: NewEvent, tweak?: EventTweak): StoredEvent {
    return this.#step("control", event, tweak);
  }

  /** The reference verdict on an event against its own auth events (rule on the list itself first). */
  verdict(stored: StoredEvent): AuthResult {
    const authEvents = citedAuthEvents(this.room, stored);
    const event = toRoomEvent(stored);
    const list = checkAuthEventsList(event, authEvents, this.room.version, (id) => this.#rejected.has(id));
    if (!list.allowed) return list;
    return authCheck(event, withCreateEvent(this.room, authEvents), this.room.version);
  }

  #step(role: StepRole, event: NewEvent, tweak: EventTweak = (e) => e): StoredEvent {
    const pdu = this.options.sign(tweak(this.room.prototype(event)));
    const stored = { eventId: computeEventId(pdu, this.room.version), pdu };
    const reference = this.verdict(stored);
    this.steps.push({ caseId: this.#caseId, role, event: stored, reference });
    if (reference.allowed && (role === "setup" || role === "control")) return this.room.append(pdu);
    if (role === "setup") throw new Error(`case ${this.#caseId}: setup event ${event.type} is not allowed: ${JSON.stringify(reference)}`);
    // Kept so that the peer can serve it and later events can cite it, never as state.
    this.room.events.set(stored.eventId, stored);
    this.#rejected.add(stored.eventId);
    return stored;
  }
}

/** Every case the room's version has a rule for, built in order into the room. */
export function buildAuthRuleCases(options: CaseBuilderOptions): { builder: AuthCaseBuilder; cases: { ruleCase: AuthRuleCase; number: string }[] } {
  const builder = new AuthCaseBuilder(options);
  const cases = casesFor(options.room.version, authRuleNumbers(options.room.version));
  for (const { ruleCase } of cases) builder.run(ruleCase);
  return { builder, cases };
}
