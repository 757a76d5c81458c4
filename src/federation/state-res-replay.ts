import {
  authCheck,
  authEventsFor,
  computeEventId,
  roomIdFromCreateEvent,
  roomVersion,
  splitStateMapKey,
  stateMapKey,
  type JsonObject,
  type JsonValue,
  referencedEventIds,
  type Pdu,
  type RoomEvent,
  type RoomVersion,
  type StateMapKey,
} from "../protocol/index.ts";
import { isJsonObject } from "../protocol/json.ts";
import { eventName, type StateResFixture } from "../protocol/state-res/fixture.ts";
import type { StateMap } from "../protocol/state-res/resolve-state.ts";
import { PeerRoom, type EventSigner, type StoredEvent } from "./room.ts";

// Replays a state-resolution fixture (fixtures/state-res/README.md) as a real room hosted by the
// federation peer, so that a homeserver resolves the same forks. Events are rebuilt with real
// hashes and signatures; fixture users of example.com become users of the peer.

/** The domain fixture users and rooms live on. */
const FIXTURE_DOMAIN = "example.com";

/**
 * Rooms v1–2 use opaque event IDs, which the peer does not build; their fixtures are replayed in
 * v10, the last version with the same state resolution (v2) and the same create event shape
 * (`content.creator`): v3–v10 change no auth rule these cases exercise.
 */
const REPLAY_VERSION_FOR_V1_V2 = "10";

export type Replayability = { replayable: true; roomVersion: string; note?: string } | { replayable: false; reason: string };

/** Whether a homeserver can be asked the fixture's question, and in which room version. */
export function replayability(fixture: StateResFixture): Replayability {
  const { question, expected } = fixture;
  if (question.kind === "auth_difference") {
    return { replayable: false, reason: "asks for the auth difference, an intermediate of the algorithm that no homeserver API exposes" };
  }
  if (question.kind === "power_order") {
    return { replayable: false, reason: "asks for the reverse topological power ordering, an intermediate of the algorithm that no homeserver API exposes" };
  }
  if (!expected.state) return { replayable: false, reason: "expects no resolved state" };
  if (fixture.rejected.size > 0) {
    return { replayable: false, reason: "has events rejected on receipt, which a replay cannot make a homeserver store as rejected" };
  }
  const [create, creatorJoin] = fixture.events;
  if (create?.type !== "m.room.create" || creatorJoin?.type !== "m.room.member" || creatorJoin.state_key !== create.sender || creatorJoin.content["membership"] !== "join") {
    return { replayable: false, reason: "does not start with the create event and the creator's join" };
  }
  if (question.kind === "state_sets") {
    const create = stateMapKey("m.room.create", "");
    const lacking = question.stateSets.findIndex((set) => !set.has(create));
    // A fork's state is claimed to the homeserver, which checks the fork's events against it: without a create event none passes (auth rules 2, 3).
    if (lacking >= 0) return { replayable: false, reason: `has state set ${lacking + 1} without the m.room.create event, and a homeserver accepts no event whose state lacks one` };
  }
  const version = roomVersion(fixture.roomVersion);
  if (version.eventIdFormat === "opaque") {
    return { replayable: true, roomVersion: REPLAY_VERSION_FOR_V1_V2, note: `room version ${fixture.roomVersion} replayed as ${REPLAY_VERSION_FOR_V1_V2} (same state resolution v2)` };
  }
  return { replayable: true, roomVersion: fixture.roomVersion };
}

/** Rewrites user and room IDs of example.com (strings and object keys) onto `serverName`. */
export function mapFixtureIds<T extends JsonValue>(value: T, serverName: string): T {
  const map = (text: string): string =>
    /^[@!#]/.test(text) && text.endsWith(`:${FIXTURE_DOMAIN}`) ? `${text.slice(0, -FIXTURE_DOMAIN.length)}${serverName}` : text;
  if (typeof value === "string") return map(value) as T;
  if (Array.isArray(value)) return value.map((item) => mapFixtureIds(item, serverName)) as T;
  if (isJsonObject(value)) {
    const out: JsonObject = {};
    for (const [key, item] of Object.entries(value)) out[map(key)] = mapFixtureIds(item, serverName);
    return out as T;
  }
  return value;
}

export interface ReplayOptions {
  /** The peer's server name: fixture users `@x:example.com` become `@x:<serverName>`. */
  serverName: string;
  sign: EventSigner;
  /** Fixture timestamps become `baseTs + 10 × ts`, so replays never produce the same create event twice. */
  baseTs?: number;
}

/** What a replay sends: the fixture's events after the resident's join, then the event whose state is the question. */
export interface ReplayPlan {
  /** Events to send in order over /send; each one's prev_events are known to the receiver by then. */
  natural: StoredEvent[];
  /** The event whose state before it is the fixture's answer: the fixture's `state_at` event, or a merge of the forks. */
  target: StoredEvent;
  /** Fork tips whose state the peer claims rather than derives (state sets no DAG walk reaches). */
  claimedForks: { tip: StoredEvent; hidden: StoredEvent; stateSet: number }[];
}

/**
 * A fixture replayed as a peer room, in two stages around the homeserver's own join: `start`
 * builds the create event and the creator's join, then the homeserver's user is invited and joins
 * (its membership is then unconflicted in every fork), then `build` adds everything else.
 */
export class StateResReplay {
  readonly fixture: StateResFixture;
  readonly room: PeerRoom;
  readonly version: RoomVersion;
  readonly note: string | undefined;
  /** Fixture name → real event ID. */
  readonly ids = new Map<string, string>();
  /** Real event ID → fixture name (or a label for events the replay adds). */
  readonly names = new Map<string, string>();
  readonly #options: Required<ReplayOptions>;
  #residentJoin: StoredEvent | undefined;
  /** The peer's own member, joined before the forks when no fixture user is joined in every state set. */
  #ownMemberJoin: StoredEvent | undefined;

  private constructor(fixture: StateResFixture, room: PeerRoom, note: string | undefined, options: Required<ReplayOptions>) {
    this.fixture = fixture;
    this.room = room;
    this.version = room.version;
    this.note = note;
    this.#options = options;
  }

  /** The room with the fixture's create event and the creator's join. */
  static start(fixture: StateResFixture, options: ReplayOptions): StateResReplay {
    const verdict = replayability(fixture);
    if (!verdict.replayable) throw new Error(`the fixture cannot be replayed: it ${verdict.reason}`);
    const version = roomVersion(verdict.roomVersion);
    const full = { baseTs: Date.now(), ...options };
    const localpart = `state-res-${Math.random().toString(36).slice(2, 10)}`;
    const room = new PeerRoom(version, version.roomIdIsCreateEventHash ? "" : `!${localpart}:${options.serverName}`);
    const replay = new StateResReplay(fixture, room, verdict.note, full);
    const [create, creatorJoin] = fixture.events;
    const createPdu = options.sign(
      room.prototypeAt({
        type: "m.room.create",
        stateKey: "",
        sender: replay.user(create!.sender),
        // The create event names the room version the replay uses (rooms/v*.md "m.room.create").
        content: { ...mapFixtureIds(create!.content, options.serverName), room_version: version.id },
        prevEvents: [],
        authEvents: [],
        originServerTs: replay.ts(create!.origin_server_ts),
      }),
      version,
    );
    if (version.roomIdIsCreateEventHash) room.roomId = roomIdFromCreateEvent(createPdu, version);
    replay.#record(create!.event_id, room.place(createPdu));
    replay.#placeFixtureEvent(creatorJoin!.event_id);
    return replay;
  }

  /** A fixture user on the peer. */
  user(fixtureUserId: string): string {
    return mapFixtureIds(fixtureUserId, this.#options.serverName);
  }

  /** The creator, who invites the homeserver's user. */
  get creator(): string {
    return this.user(this.fixture.events[0]!.sender);
  }

  /** Timestamp for the invite of the homeserver's user: just after the creator's join. */
  get inviteTs(): number {
    return this.ts(this.fixture.events[1]!.origin_server_ts) + 1;
  }

  ts(fixtureTs: number): number {
    return this.#options.baseTs + 10 * fixtureTs;
  }

  /** The label of a real event ID in reports: the fixture name, or what the replay added it for. */
  nameOf(eventId: string): string | undefined {
    return this.names.get(eventId);
  }

  /** The homeserver user's membership key, which exists only because of the replay. */
  get residentKey(): StateMapKey | undefined {
    const join = this.#residentJoin;
    return join ? stateMapKey("m.room.member", String(join.pdu["state_key"])) : undefined;
  }

  /**
   * Adds the rest of the fixture after the homeserver user's join (already in the room), with
   * that join in place of the creator's join as a parent. For state sets that no event's state
   * equals, a fork tip is added whose parent's state the peer claims (and withholds the parent).
   */
  build(residentJoinId: string): ReplayPlan {
    const join = this.room.event(residentJoinId);
    if (!join) throw new Error(`the homeserver's join ${residentJoinId} is not in the room`);
    this.#residentJoin = join;
    this.names.set(join.eventId, "(homeserver user's join)");
    for (const stored of this.room.events.values()) {
      if (!this.names.has(stored.eventId)) this.names.set(stored.eventId, `(replay: ${stored.pdu.type} ${String(stored.pdu["state_key"] ?? "")})`);
    }
    const natural: StoredEvent[] = [];
    if (this.#needsOwnMember()) natural.push(...this.#joinOwnMember(join));
    for (const event of this.fixture.events.slice(2)) natural.push(this.#placeFixtureEvent(event.event_id));

    const question = this.fixture.question;
    if (question.kind === "state_at") {
      return { natural, target: this.room.event(this.ids.get(eventName(question.eventId))!)!, claimedForks: [] };
    }
    if (question.kind !== "state_sets") throw new Error(`unexpected question ${question.kind}`);
    const tips: string[] = [];
    const claimedForks: ReplayPlan["claimedForks"] = [];
    let ts = this.ts(Math.max(...this.fixture.events.map((e) => e.origin_server_ts))) + 10;
    question.stateSets.forEach((set, index) => {
      const wanted = this.realState(set);
      const tip = [...natural].reverse().find((stored) => sameState(this.room.stateAfter(stored.eventId), wanted));
      if (tip) {
        tips.push(tip.eventId);
        return;
      }
      const sender = this.#joinedUser([set]);
      const authEvents = authEventsFor({ type: "m.room.message", sender, content: {} }, wanted, this.version);
      const last = natural.at(-1) ?? join;
      const hidden = this.room.place(
        this.#options.sign(this.room.prototypeAt({ type: "m.room.message", sender, content: { body: `state set ${index + 1}` }, prevEvents: [last.eventId], authEvents, originServerTs: ts++ }), this.version),
      );
      this.room.withheld.add(hidden.eventId);
      this.room.claimStateBefore(hidden.eventId, wanted);
      const forkTip = this.room.place(
        this.#options.sign(this.room.prototypeAt({ type: "m.room.message", sender, content: { body: `fork ${index + 1}` }, prevEvents: [hidden.eventId], authEvents, originServerTs: ts++ }), this.version),
      );
      this.names.set(hidden.eventId, `(replay: withheld parent of fork ${index + 1})`);
      this.names.set(forkTip.eventId, `(replay: tip of fork ${index + 1})`);
      tips.push(forkTip.eventId);
      claimedForks.push({ tip: forkTip, hidden, stateSet: index });
    });
    const before = this.room.resolvedStateAfter(tips);
    if (!before) throw new Error("the replay cannot resolve its own fork tips");
    const sender = this.#joinedUser(question.stateSets);
    const merge = this.room.place(
      this.#options.sign(
        this.room.prototypeAt({
          type: "m.room.message",
          sender,
          content: { body: "merge" },
          prevEvents: tips,
          authEvents: authEventsFor({ type: "m.room.message", sender, content: {} }, before, this.version),
          originServerTs: ts++,
        }),
        this.version,
      ),
    );
    this.names.set(merge.eventId, "(replay: merge of the forks)");
    return { natural, target: merge, claimedForks };
  }

  /** A fixture state (names) as real event IDs, with the homeserver user's join added. */
  realState(state: StateMap): Map<StateMapKey, string> {
    const real = new Map<StateMapKey, string>();
    for (const [key, id] of state) {
      const [type, stateKey] = splitStateMapKey(key);
      real.set(stateMapKey(type, this.user(stateKey)), this.ids.get(eventName(id))!);
    }
    const join = this.#residentJoin;
    if (join) real.set(this.residentKey!, join.eventId);
    const own = this.#ownMemberJoin;
    if (own) real.set(this.ownMemberKey!, own.eventId);
    return real;
  }

  /** The peer's own member's key, when the replay added one (it is in every state set, like the homeserver user's). */
  get ownMemberKey(): StateMapKey | undefined {
    const join = this.#ownMemberJoin;
    return join ? stateMapKey("m.room.member", String(join.pdu["state_key"])) : undefined;
  }

  /**
   * Why the replay cannot ask the fixture's question, when the members it added change the
   * answer: the reference resolution of the state sets as replayed differs from the fixture's
   * expected state (an added member's auth chain can change the auth difference). Undefined otherwise.
   */
  augmentationProblem(target: string): string | undefined {
    if (!this.#ownMemberJoin) return undefined;
    const expected = this.expectedState();
    const actual = this.room.stateBefore(target);
    const differs = !actual || actual.size !== expected.size || [...expected].some(([key, id]) => actual.get(key) !== id);
    if (!differs) return undefined;
    return "needs a member of the peer's in every state set to send the forks and the merge, and with that member the reference resolution no longer gives the fixture's expected state";
  }

  /** The fixture's expected state, as real event IDs (with the homeserver user's join). */
  expectedState(): Map<StateMapKey, string> {
    return this.realState(this.fixture.expected.state!);
  }

  /**
   * Fixture events that fail the auth rules against their own auth_events, which every receiver
   * checks (server-server API, "Checks performed on receipt of a PDU", step 4), with the failed rule.
   */
  eventsFailingOwnAuthEvents(): string[] {
    const failures: string[] = [];
    for (const event of this.fixture.events) {
      const stored = this.room.event(this.ids.get(eventName(event.event_id)) ?? "");
      if (!stored) continue;
      const authEvents = referencedEventIds(stored.pdu["auth_events"] as string[]).map((id) => this.room.event(id)).filter((e): e is StoredEvent => e !== undefined);
      const asRoomEvent = (s: StoredEvent): RoomEvent => ({ ...(s.pdu as unknown as RoomEvent), event_id: s.eventId });
      // v12 events never cite the create event (rooms/v12 rule 3.2), yet the checks read it.
      const create = this.room.event(this.ids.get(eventName(this.fixture.events[0]!.event_id))!);
      const state = [...authEvents, ...(create && !authEvents.includes(create) ? [create] : [])].map(asRoomEvent);
      const verdict = authCheck(asRoomEvent(stored), state, this.version, this.room.authCheckOptions);
      if (!verdict.allowed) failures.push(`${eventName(event.event_id)}: rule ${verdict.rule} (${verdict.reason}) against auth_events [${referencedEventIds(event.auth_events).map(eventName).join(", ")}]`);
    }
    return failures;
  }

  /** A user joined in every given state set with the same event, to send the replay's own messages. */
  #joinedUser(sets: StateMap[]): string {
    for (const event of this.fixture.events) {
      if (event.type !== "m.room.member" || event.content["membership"] !== "join" || event.state_key !== event.sender) continue;
      const key = stateMapKey("m.room.member", event.state_key);
      if (sets.every((set) => set.get(key) === event.event_id)) return this.user(event.sender);
    }
    if (this.#ownMemberJoin) return String(this.#ownMemberJoin.pdu["state_key"]);
    throw new Error("no fixture user is joined with the same event in every state set");
  }

  /** Whether no fixture user is joined with the same event in every state set of the question. */
  #needsOwnMember(): boolean {
    const question = this.fixture.question;
    if (question.kind !== "state_sets") return false;
    return !this.fixture.events.some((event) => {
      if (event.type !== "m.room.member" || event.content["membership"] !== "join" || event.state_key !== event.sender) return false;
      const key = stateMapKey("m.room.member", event.state_key);
      return question.stateSets.every((set) => set.get(key) === event.event_id);
    });
  }

  /** The creator invites a member of the peer's, who joins, right after the homeserver user's join: before every fork. */
  #joinOwnMember(after: StoredEvent): StoredEvent[] {
    const member = `@replay-member:${this.#options.serverName}`;
    let ts = Number(after.pdu.origin_server_ts) + 1;
    const add = (sender: string, membership: string, label: string, prev: StoredEvent): StoredEvent => {
      const state = this.room.stateAfter(prev.eventId) ?? new Map<StateMapKey, string>();
      const shape = { type: "m.room.member", sender, stateKey: member, content: { membership } };
      const authEvents = authEventsFor({ type: shape.type, sender, state_key: member, content: shape.content }, state, this.version);
      const stored = this.room.place(this.#options.sign(this.room.prototypeAt({ ...shape, prevEvents: [prev.eventId], authEvents, originServerTs: ts++ }), this.version));
      this.names.set(stored.eventId, label);
      return stored;
    };
    const invite = add(this.creator, "invite", "(replay: invite of the peer's member)", after);
    const join = add(member, "join", "(replay: the peer's member's join)", invite);
    this.#ownMemberJoin = join;
    return [invite, join];
  }

  #placeFixtureEvent(fixtureId: string): StoredEvent {
    const event = this.fixture.events.find((e) => e.event_id === fixtureId)!;
    const creatorJoin = this.fixture.events[1]!.event_id;
    const real = (id: string): string => {
      // Children of the creator's join descend from the homeserver user's join (or the peer member's after it) instead.
      if (id === creatorJoin && this.#ownMemberJoin) return this.#ownMemberJoin.eventId;
      if (id === creatorJoin && this.#residentJoin) return this.#residentJoin.eventId;
      const mapped = this.ids.get(eventName(id));
      if (!mapped) throw new Error(`${eventName(fixtureId)} refers to ${eventName(id)}, which the replay has not built yet`);
      return mapped;
    };
    const pdu: Pdu = this.#options.sign(
      this.room.prototypeAt({
        type: event.type,
        sender: this.user(event.sender),
        content: mapFixtureIds(event.content, this.#options.serverName),
        ...(event.state_key !== undefined ? { stateKey: this.user(event.state_key) } : {}),
        prevEvents: event.prev_events.map((ref) => real(String(ref))),
        // Auth events are the fixture's own, never the creator's join swapped for the resident's.
        authEvents: event.auth_events.map((ref) => this.ids.get(eventName(String(ref)))!),
        originServerTs: this.ts(event.origin_server_ts),
      }),
      this.version,
    );
    const stored = this.room.place(pdu);
    if (stored.eventId !== computeEventId(pdu, this.version)) throw new Error("event ID mismatch");
    this.#record(event.event_id, stored);
    return stored;
  }

  #record(fixtureId: string, stored: StoredEvent): void {
    this.ids.set(eventName(fixtureId), stored.eventId);
    this.names.set(stored.eventId, eventName(fixtureId));
  }
}

function sameState(a: ReadonlyMap<StateMapKey, string> | undefined, b: ReadonlyMap<StateMapKey, string>): boolean {
  if (!a || a.size !== b.size) return false;
  for (const [key, id] of a) if (b.get(key) !== id) return false;
  return true;
}
