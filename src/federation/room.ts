import { randomBytes } from "node:crypto";
import {
  authCheck,
  computeReferenceHash,
  authEventsFor,
  computeEventId,
  roomIdFromCreateEvent,
  roomVersion,
  stateMapKey,
  referencedEventIds,
  resolveState,
  type AuthCheckOptions,
  type JsonObject,
  type JsonValue,
  type Pdu,
  type RoomEvent,
  type RoomVersion,
  type StateMapKey,
} from "../protocol/index.ts";

/** A PDU with the ID it has in its room version (carried in v1–2, computed from v3 on). */
export interface StoredEvent {
  eventId: string;
  pdu: Pdu;
}

export type EventSigner = (event: JsonObject, version: RoomVersion) => Pdu;

/** Rewrites a room's unsigned create event so that it breaks a rule; the room then checks no appends. */
export type CreateBreaker = (create: JsonObject, version: RoomVersion) => JsonObject;

export interface NewEvent {
  type: string;
  sender: string;
  content: JsonObject;
  stateKey?: string;
}

/**
 * An event with explicit DAG edges (event IDs), for replaying a given graph: forks, merges and
 * auth events chosen by the caller rather than by the room's current state.
 */
export interface DagEvent extends NewEvent {
  prevEvents: string[];
  authEvents: string[];
  originServerTs: number;
}

function toRoomEvent(stored: StoredEvent): RoomEvent {
  return { ...(stored.pdu as unknown as RoomEvent), event_id: stored.eventId };
}

/**
 * The peer's model of one room: its events, current state and forward extremities. The peer
 * extends the room linearly from its extremities; events from other servers are appended
 * after their own prev_events are known (no state resolution across forks here).
 */
export class PeerRoom {
  readonly version: RoomVersion;
  roomId: string;
  readonly events = new Map<string, StoredEvent>();
  readonly state = new Map<StateMapKey, string>();
  extremities: string[] = [];
  /** Events the peer serves by ID (/event) but leaves out of /get_missing_events and /backfill. */
  readonly withheld = new Set<string>();
  /**
   * Whether `append` checks events against the auth rules. A room built on a create event that
   * breaks them checks nothing, so what is tested is the other server's checks, not the peer's.
   */
  checksAppends = true;
  /** Options for the auth checks the room makes (e.g. how restricted-join signatures count). */
  authCheckOptions: AuthCheckOptions = {};
  readonly #claimedStateBefore = new Map<string, Map<StateMapKey, string>>();
  readonly #stateAfter = new Map<string, Map<StateMapKey, string>>();

  constructor(version: string | RoomVersion, roomId: string) {
    this.version = roomVersion(version);
    this.roomId = roomId;
  }

  event(eventId: string): StoredEvent | undefined {
    return this.events.get(eventId);
  }

  stateEvent(type: string, stateKey = ""): StoredEvent | undefined {
    const id = this.state.get(stateMapKey(type, stateKey));
    return id ? this.events.get(id) : undefined;
  }

  /** Current state as RoomEvents keyed by (type, state_key), as auth checks use it. */
  authState(): Map<StateMapKey, RoomEvent> {
    const map = new Map<StateMapKey, RoomEvent>();
    for (const [key, id] of this.state) {
      const stored = this.events.get(id);
      if (stored) map.set(key, toRoomEvent(stored));
    }
    return map;
  }

  /** Servers with a joined member: where new events must be sent. */
  joinedServers(): Set<string> {
    const servers = new Set<string>();
    for (const [key, id] of this.state) {
      if (!key.startsWith("m.room.member")) continue;
      const stored = this.events.get(id);
      if (stored?.pdu.content["membership"] === "join") {
        const userId = stored.pdu["state_key"];
        if (typeof userId === "string") servers.add(userId.slice(userId.indexOf(":") + 1));
      }
    }
    return servers;
  }

  /** An unsigned event extending the room from its extremities, with auth_events per the room version. */
  prototype(event: NewEvent, originServerTs = Date.now()): JsonObject {
    const depth = Math.max(0, ...this.extremities.map((id) => Number(this.events.get(id)?.pdu["depth"] ?? 0))) + 1;
    const shape = { type: event.type, sender: event.sender, content: event.content, ...(event.stateKey !== undefined ? { state_key: event.stateKey } : {}) };
    return {
      ...this.#opaqueEventId(event.sender),
      room_id: this.roomId,
      ...shape,
      origin_server_ts: originServerTs,
      depth,
      prev_events: this.references(this.extremities),
      auth_events: this.references(authEventsFor(shape, this.authState(), this.version)),
    };
  }

  /**
   * Event references as the room version writes them: plain IDs from v3 on, `[id, {sha256}]`
   * pairs in v1–2 (rooms/v1.md "Event format").
   */
  references(eventIds: readonly string[]): JsonValue[] {
    if (this.version.eventIdFormat !== "opaque") return [...eventIds];
    return eventIds.map((id): JsonValue => {
      const stored = this.events.get(id);
      const hashes: JsonObject = stored ? { sha256: computeReferenceHash(stored.pdu, this.version) } : {};
      return [id, hashes];
    });
  }

  /** v1–2 events carry an ID of their origin's choosing (`$opaque:server`); later versions none. */
  #opaqueEventId(sender: string): JsonObject {
    if (this.version.eventIdFormat !== "opaque") return {};
    return { event_id: `$${randomBytes(12).toString("hex")}:${sender.slice(sender.indexOf(":") + 1)}` };
  }

  /**
   * Appends a signed event after checking it against the current state (authorization rules).
   * Throws with the failed rule when the event is not allowed.
   */
  append(pdu: Pdu): StoredEvent {
    const eventId = computeEventId(pdu, this.version);
    if (this.events.has(eventId)) return this.events.get(eventId)!;
    const stored = { eventId, pdu };
    const verdict = this.checksAppends ? authCheck(toRoomEvent(stored), this.authState(), this.version) : { allowed: true };
    if (!verdict.allowed) throw new Error(`event ${eventId} (${pdu.type}) is not allowed: ${JSON.stringify(verdict)}`);
    this.events.set(eventId, stored);
    const prev = new Set(referencedEventIds(pdu["prev_events"] as string[]));
    this.extremities = [...this.extremities.filter((id) => !prev.has(id)), eventId];
    if (typeof pdu["state_key"] === "string") this.state.set(stateMapKey(pdu.type, pdu["state_key"]), eventId);
    return stored;
  }

  /** Adds events known to be accepted elsewhere (the state and auth chain of a join), without checks. */
  adopt(pdus: Pdu[], asState: boolean): void {
    for (const pdu of pdus) {
      const eventId = computeEventId(pdu, this.version);
      this.events.set(eventId, { eventId, pdu });
      if (asState && typeof pdu["state_key"] === "string") this.state.set(stateMapKey(pdu.type, pdu["state_key"]), eventId);
    }
  }

  /** Every event the given events' auth_events reach, transitively. */
  authChain(eventIds: Iterable<string>): StoredEvent[] {
    const seen = new Map<string, StoredEvent>();
    const queue = [...eventIds].flatMap((id) => referencedEventIds(this.events.get(id)?.pdu["auth_events"] as string[]));
    while (queue.length > 0) {
      const id = queue.pop()!;
      if (seen.has(id)) continue;
      const stored = this.events.get(id);
      if (!stored) continue;
      seen.set(id, stored);
      queue.push(...referencedEventIds(stored.pdu["auth_events"] as string[]));
    }
    return [...seen.values()];
  }

  /** An unsigned event with the given prev and auth events; depth is one more than its deepest parent. */
  prototypeAt(event: DagEvent): JsonObject {
    const isCreate = event.type === "m.room.create";
    const depth = Math.max(0, ...event.prevEvents.map((id) => Number(this.events.get(id)?.pdu["depth"] ?? 0))) + 1;
    return {
      ...this.#opaqueEventId(event.sender),
      ...(isCreate && this.version.roomIdIsCreateEventHash ? {} : { room_id: this.roomId }),
      type: event.type,
      sender: event.sender,
      content: event.content,
      ...(event.stateKey !== undefined ? { state_key: event.stateKey } : {}),
      origin_server_ts: event.originServerTs,
      depth,
      prev_events: this.references(event.prevEvents),
      auth_events: this.references(event.authEvents),
    };
  }

  /**
   * Adds a signed event wherever its prev_events put it in the DAG, without checking it (it may
   * fork the room); the current state becomes the resolution of the new forward extremities.
   */
  place(pdu: Pdu): StoredEvent {
    const eventId = computeEventId(pdu, this.version);
    const existing = this.events.get(eventId);
    if (existing) return existing;
    const stored = { eventId, pdu };
    this.events.set(eventId, stored);
    const prev = new Set(referencedEventIds(pdu["prev_events"] as string[]));
    this.extremities = [...this.extremities.filter((id) => !prev.has(id)), eventId];
    const current = this.resolvedStateAfter(this.extremities);
    if (current) {
      this.state.clear();
      for (const [key, id] of current) this.state.set(key, id);
    }
    return stored;
  }

  /**
   * Declares the state before an event instead of deriving it from its prev_events: the peer
   * then answers /state_ids and /state at that event with it, as a server whose state was reset would.
   */
  claimStateBefore(eventId: string, state: ReadonlyMap<StateMapKey, string>): void {
    if (this.#stateAfter.size > 0) this.#stateAfter.clear();
    this.#claimedStateBefore.set(eventId, new Map(state));
  }

  /**
   * The state before an event (rooms/v2 "State resolution": the resolution of the states after
   * its prev_events), or undefined when an ancestor is unknown to the peer.
   */
  stateBefore(eventId: string): Map<StateMapKey, string> | undefined {
    const claimed = this.#claimedStateBefore.get(eventId);
    if (claimed) return new Map(claimed);
    const stored = this.events.get(eventId);
    if (!stored) return undefined;
    const prevs = referencedEventIds(stored.pdu["prev_events"] as string[]);
    if (prevs.length === 0) return new Map();
    return this.resolvedStateAfter(prevs);
  }

  /** The state after an event: the state before it, plus the event if it passes the auth rules against that state. */
  stateAfter(eventId: string): Map<StateMapKey, string> | undefined {
    const memo = this.#stateAfter.get(eventId);
    if (memo) return new Map(memo);
    // Compute ancestors first, iteratively (parents before children), so deep rooms do not recurse.
    const order: string[] = [];
    const visited = new Set<string>();
    const stack: [string, boolean][] = [[eventId, false]];
    while (stack.length > 0) {
      const [id, expanded] = stack.pop()!;
      if (expanded) {
        order.push(id);
        continue;
      }
      if (visited.has(id) || this.#stateAfter.has(id)) continue;
      visited.add(id);
      const stored = this.events.get(id);
      if (!stored) return undefined;
      stack.push([id, true]);
      if (this.#claimedStateBefore.has(id)) continue;
      for (const prev of referencedEventIds(stored.pdu["prev_events"] as string[])) stack.push([prev, false]);
    }
    for (const id of order) {
      const before = this.stateBefore(id);
      if (!before) return undefined;
      const stored = this.events.get(id)!;
      const stateKey = stored.pdu["state_key"];
      if (typeof stateKey === "string") {
        const authState = new Map<StateMapKey, RoomEvent>();
        for (const [key, stateId] of before) {
          const event = this.events.get(stateId);
          if (event) authState.set(key, toRoomEvent(event));
        }
        if (!this.checksAppends || authCheck(toRoomEvent(stored), authState, this.version, this.authCheckOptions).allowed) before.set(stateMapKey(stored.pdu.type, stateKey), id);
      }
      this.#stateAfter.set(id, before);
    }
    const after = this.#stateAfter.get(eventId);
    return after ? new Map(after) : undefined;
  }

  /** The resolution of the states after `eventIds` (one state when there is one event): the state before a child of them all. */
  resolvedStateAfter(eventIds: string[]): Map<StateMapKey, string> | undefined {
    const states: Map<StateMapKey, string>[] = [];
    for (const id of eventIds) {
      const state = this.stateAfter(id);
      if (!state) return undefined;
      states.push(state);
    }
    if (states.length === 1) return states[0];
    const lookup = new Map<string, RoomEvent>();
    for (const stored of this.events.values()) lookup.set(stored.eventId, toRoomEvent(stored));
    return resolveState(states, lookup, this.version, { authCheck: this.authCheckOptions });
  }

  /**
   * Events the asker is missing (server-server API, "GET /get_missing_events"): a breadth-first
   * walk of prev_events from `latest`, stopping at `earliest`, withheld and unknown events.
   */
  missingEvents(earliest: Iterable<string>, latest: Iterable<string>, limit: number, minDepth = 0): StoredEvent[] {
    const stop = new Set(earliest);
    const seen = new Set<string>(latest);
    const queue = [...seen].flatMap((id) => referencedEventIds(this.events.get(id)?.pdu["prev_events"] as string[]));
    const found: StoredEvent[] = [];
    while (queue.length > 0 && found.length < limit) {
      const id = queue.shift()!;
      if (seen.has(id) || stop.has(id) || this.withheld.has(id)) continue;
      seen.add(id);
      const stored = this.events.get(id);
      if (!stored || Number(stored.pdu["depth"] ?? 0) < minDepth) continue;
      found.push(stored);
      queue.push(...referencedEventIds(stored.pdu["prev_events"] as string[]));
    }
    return found.sort((a, b) => Number(a.pdu["depth"] ?? 0) - Number(b.pdu["depth"] ?? 0));
  }

  /** Events for /backfill: `from` and its ancestors, breadth-first over prev_events, newest first. */
  backfill(from: Iterable<string>, limit: number): StoredEvent[] {
    const seen = new Set<string>();
    const queue = [...from];
    const found: StoredEvent[] = [];
    while (queue.length > 0 && found.length < limit) {
      const id = queue.shift()!;
      if (seen.has(id) || this.withheld.has(id)) continue;
      seen.add(id);
      const stored = this.events.get(id);
      if (!stored) continue;
      found.push(stored);
      queue.push(...referencedEventIds(stored.pdu["prev_events"] as string[]));
    }
    return found;
  }

  currentState(): StoredEvent[] {
    return [...this.state.values()].map((id) => this.events.get(id)!).filter(Boolean);
  }

  /**
   * A new room created by `creator`: create, creator's join, power levels, join rules and
   * history visibility, each signed by `sign`.
   */
  static create(options: { version: string; creator: string; serverName: string; sign: EventSigner; joinRule?: string; roomIdLocalpart?: string; breakCreate?: CreateBreaker }): PeerRoom {
    const version = roomVersion(options.version);
    const v12 = version.roomIdIsCreateEventHash;
    const room = new PeerRoom(version, v12 ? "" : `!${options.roomIdLocalpart ?? Math.random().toString(36).slice(2, 12)}:${options.serverName}`);
    const createContent: JsonObject = { room_version: version.id, ...(version.creatorIsCreateSender ? {} : { creator: options.creator }) };
    const createProto: JsonObject = {
      ...(version.eventIdFormat === "opaque" ? { event_id: `$${randomBytes(12).toString("hex")}:${options.serverName}` } : {}),
      ...(v12 ? {} : { room_id: room.roomId }),
      type: "m.room.create",
      state_key: "",
      sender: options.creator,
      content: createContent,
      origin_server_ts: Date.now(),
      depth: 1,
      prev_events: [],
      auth_events: [],
    };
    const create = options.sign(options.breakCreate ? options.breakCreate(createProto, version) : createProto, version);
    if (options.breakCreate) room.checksAppends = false;
    if (v12) room.roomId = roomIdFromCreateEvent(create, version);
    else if (typeof create["room_id"] === "string") room.roomId = create["room_id"];
    room.append(create);
    const users: JsonObject = version.privilegedCreators ? {} : { [options.creator]: 100 };
    const initial: NewEvent[] = [
      { type: "m.room.member", stateKey: options.creator, sender: options.creator, content: { membership: "join" } },
      { type: "m.room.power_levels", stateKey: "", sender: options.creator, content: { users, users_default: 0, events_default: 0, state_default: 50, ban: 50, kick: 50, redact: 50, invite: 0 } },
      { type: "m.room.join_rules", stateKey: "", sender: options.creator, content: { join_rule: options.joinRule ?? "public" } },
      { type: "m.room.history_visibility", stateKey: "", sender: options.creator, content: { history_visibility: "shared" } },
    ];
    for (const event of initial) room.append(options.sign(room.prototype(event), version));
    return room;
  }
}
