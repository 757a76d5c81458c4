import { SyncTimeoutError } from "./errors.ts";
import type { ExchangeLog } from "./exchange.ts";
import type { SyncEvent, SyncResponse } from "./schemas/sync.ts";

export interface SyncParams {
  since?: string;
  timeout?: number;
  filter?: string | Record<string, unknown>;
  full_state?: boolean;
}

/** What waiting on /sync needs of a client: who it is, its request log, and one sync that must succeed. */
export interface SyncSource {
  readonly userId: string;
  readonly log: ExchangeLog;
  mustSync(params: SyncParams): Promise<SyncResponse>;
}

/** A condition on one /sync response (an initial sync or one incremental delta). */
export interface SyncPredicate {
  description: string;
  holds(response: SyncResponse): boolean;
}

/** A condition on one event. */
export interface EventMatcher {
  description: string;
  matches(event: SyncEvent): boolean;
}

export interface SyncUntilOptions {
  /** Start from this token; without one the first request is an initial sync. */
  since?: string;
  /** Deadline for the predicate to hold. */
  timeoutMs?: number;
  filter?: SyncParams["filter"];
}

export interface SyncUntilResult {
  /** The token to continue from. */
  nextBatch: string;
  /** The response in which the predicate held. */
  response: SyncResponse;
}

// Generous: a loaded 2-core CI machine running tests concurrently can take seconds per sync; passing tests never wait for it.
const DEFAULT_DEADLINE_MS = 20_000;
const MAX_POLLS = 200;
const LONG_POLL_MS = 5_000;

function summarise(response: SyncResponse | undefined): string {
  if (!response) return "no sync response arrived";
  const rooms = response.rooms ?? {};
  const part = (name: string, record: Record<string, { timeline?: { events: SyncEvent[] } }> | undefined) =>
    Object.entries(record ?? {})
      .map(([id, room]) => `${name} ${id}: ${(room.timeline?.events ?? []).map((e) => e.type).join(", ") || "no timeline events"}`)
      .join("\n  ");
  const lines = [part("joined", rooms.join), part("left", rooms.leave), Object.keys(rooms.invite ?? {}).map((id) => `invited ${id}`).join("\n  ")].filter(Boolean);
  return lines.length > 0 ? `  ${lines.join("\n  ")}` : "  (no room changes)";
}

/**
 * Long-polls /sync until `predicate` holds in a response or the deadline passes: the way to
 * wait for something to happen, never a sleep (client-server-api/#syncing).
 */
export async function syncUntil(client: SyncSource, predicate: SyncPredicate, options: SyncUntilOptions = {}): Promise<SyncUntilResult> {
  const deadline = Date.now() + (options.timeoutMs ?? DEFAULT_DEADLINE_MS);
  let since = options.since;
  let last: SyncResponse | undefined;
  let seen = 0;
  for (let poll = 0; poll < MAX_POLLS; poll += 1) {
    const remaining = deadline - Date.now();
    if (remaining <= 0) break;
    const timeout = since === undefined ? 0 : Math.min(LONG_POLL_MS, remaining);
    const response = await client.mustSync({ since, timeout, ...(options.filter !== undefined ? { filter: options.filter } : {}) });
    seen += 1;
    last = response;
    if (predicate.holds(response)) return { nextBatch: response.next_batch, response };
    since = response.next_batch;
  }
  throw new SyncTimeoutError(
    `${client.userId}: waited ${options.timeoutMs ?? DEFAULT_DEADLINE_MS} ms (${seen} sync responses) for: ${predicate.description}\nlast response:\n${summarise(last)}`,
    client.log.recent(1)[0],
  );
}

/**
 * Waits until `eventId` shows in the client's /sync timeline of `roomId`, as a client would before
 * paging or reading relations: a server may answer a send before the event is in the stream its
 * read endpoints start from.
 */
export async function untilInTimeline(client: SyncSource, roomId: string, eventId: string): Promise<void> {
  await syncUntil(client, timelineHas(roomId, eventWithId(eventId)));
}

function roomTimeline(response: SyncResponse, roomId: string, section: "join" | "leave"): SyncEvent[] {
  return response.rooms?.[section]?.[roomId]?.timeline?.events ?? [];
}

function roomState(response: SyncResponse, roomId: string, section: "join" | "leave"): SyncEvent[] {
  return response.rooms?.[section]?.[roomId]?.state?.events ?? [];
}

/** The joined room's timeline in this response contains a matching event. */
export function timelineHas(roomId: string, matcher: EventMatcher): SyncPredicate {
  return {
    description: `the timeline of ${roomId} has ${matcher.description}`,
    holds: (response) => roomTimeline(response, roomId, "join").some((event) => matcher.matches(event)),
  };
}

/** The joined room's state or timeline in this response contains a matching state event. */
export function stateHas(roomId: string, matcher: EventMatcher): SyncPredicate {
  return {
    description: `the state of ${roomId} has ${matcher.description}`,
    holds: (response) =>
      [...roomState(response, roomId, "join"), ...roomTimeline(response, roomId, "join")].some((event) => event.state_key !== undefined && matcher.matches(event)),
  };
}

export function joinedRoom(roomId: string): SyncPredicate {
  return { description: `${roomId} is under rooms.join`, holds: (response) => response.rooms?.join?.[roomId] !== undefined };
}

export function invitedTo(roomId: string): SyncPredicate {
  return { description: `${roomId} is under rooms.invite`, holds: (response) => response.rooms?.invite?.[roomId] !== undefined };
}

export function leftRoom(roomId: string): SyncPredicate {
  return { description: `${roomId} is under rooms.leave`, holds: (response) => response.rooms?.leave?.[roomId] !== undefined };
}

/** Every predicate holds in the same response. */
export function allOf(...predicates: SyncPredicate[]): SyncPredicate {
  return { description: predicates.map((p) => p.description).join(" and "), holds: (response) => predicates.every((p) => p.holds(response)) };
}

export function isMessage(body?: string): EventMatcher {
  return {
    description: body === undefined ? "an m.room.message" : `an m.room.message with body ${JSON.stringify(body)}`,
    matches: (event) => event.type === "m.room.message" && (body === undefined || event.content.body === body),
  };
}

export function eventWithId(eventId: string): EventMatcher {
  return { description: `event ${eventId}`, matches: (event) => event.event_id === eventId };
}

export function eventOfType(type: string, stateKey?: string): EventMatcher {
  return {
    description: stateKey === undefined ? `an event of type ${type}` : `a ${type} event with state key ${JSON.stringify(stateKey)}`,
    matches: (event) => event.type === type && (stateKey === undefined || event.state_key === stateKey),
  };
}

export function membershipOf(userId: string, membership: "join" | "leave" | "invite" | "ban" | "knock"): EventMatcher {
  return {
    description: `${userId}'s membership becoming ${membership}`,
    matches: (event) => event.type === "m.room.member" && event.state_key === userId && event.content.membership === membership,
  };
}

/** Someone's to-device message of this type has arrived (client-server-api/#send-to-device-messaging). */
export function toDeviceHas(type: string, from: string, check: (content: Record<string, unknown>) => boolean = () => true): SyncPredicate {
  return {
    description: `a to-device ${type} from ${from}`,
    holds: (response) => (response.to_device?.events ?? []).some((e) => e.type === type && e.sender === from && check(e.content)),
  };
}

function ephemeral(response: SyncResponse, roomId: string, type: string): Record<string, unknown>[] {
  return (response.rooms?.join?.[roomId]?.ephemeral?.events ?? []).filter((e) => e.type === type).map((e) => e.content);
}

/** The room's m.typing lists exactly these users (client-server-api/#mtyping). */
export function typingIs(roomId: string, userIds: string[]): SyncPredicate {
  const want = [...userIds].sort();
  return {
    description: `m.typing in ${roomId} lists ${want.length === 0 ? "nobody" : want.join(", ")}`,
    holds: (response) => ephemeral(response, roomId, "m.typing").some((content) => JSON.stringify([...((content.user_ids as string[] | undefined) ?? [])].sort()) === JSON.stringify(want)),
  };
}

/** The room's m.typing lists `userId`, whoever else it lists. */
export function typingIncludes(roomId: string, userId: string): SyncPredicate {
  return {
    description: `m.typing in ${roomId} lists ${userId}`,
    holds: (response) => ephemeral(response, roomId, "m.typing").some((content) => ((content.user_ids as string[] | undefined) ?? []).includes(userId)),
  };
}

/** An m.receipt in the room says `userId` has a `receiptType` receipt at `eventId` (client-server-api/#mreceipt). */
export function receiptAt(roomId: string, eventId: string, userId: string, receiptType = "m.read", check: (receipt: Record<string, unknown>) => boolean = () => true): SyncPredicate {
  return {
    description: `a ${receiptType} receipt of ${userId} at ${eventId} in ${roomId}`,
    holds: (response) =>
      ephemeral(response, roomId, "m.receipt").some((content) => {
        const receipt = (content[eventId] as Record<string, Record<string, Record<string, unknown>>> | undefined)?.[receiptType]?.[userId];
        return receipt !== undefined && check(receipt);
      }),
  };
}

/** Global account data of this type is in the response (client-server-api/#client-config). */
export function accountDataHas(type: string, check: (content: Record<string, unknown>) => boolean = () => true): SyncPredicate {
  return { description: `global account data ${type}`, holds: (response) => (response.account_data?.events ?? []).some((e) => e.type === type && check(e.content)) };
}

/** Room account data of this type is in the joined room's section. */
export function roomAccountDataHas(roomId: string, type: string, check: (content: Record<string, unknown>) => boolean = () => true): SyncPredicate {
  return {
    description: `account data ${type} in ${roomId}`,
    holds: (response) => (response.rooms?.join?.[roomId]?.account_data?.events ?? []).some((e) => e.type === type && check(e.content)),
  };
}

/** An m.presence event for `userId` matching `check` (client-server-api/#presence). */
export function presenceOf(userId: string, check: (content: Record<string, unknown>) => boolean): SyncPredicate {
  return { description: `presence of ${userId}`, holds: (response) => (response.presence?.events ?? []).some((e) => e.type === "m.presence" && e.sender === userId && check(e.content)) };
}

/** The room is under rooms.knock (client-server-api/#knocking-on-rooms). */
export function knockedOn(roomId: string): SyncPredicate {
  return { description: `${roomId} is under rooms.knock`, holds: (response) => response.rooms?.knock?.[roomId] !== undefined };
}

/** device_lists.changed names `userId` (client-server-api/#tracking-the-device-list-for-a-user). */
export function deviceListChanged(userId: string): SyncPredicate {
  return { description: `device_lists.changed lists ${userId}`, holds: (response) => (response.device_lists?.changed ?? []).includes(userId) };
}
