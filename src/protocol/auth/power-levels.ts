import type { RoomEvent } from "../event.ts";
import { isJsonObject, type JsonValue } from "../json.ts";
import type { RoomVersion } from "../room-versions.ts";

// Power levels (client-server API, `m.room.power_levels`; rooms/fragments v1-stringy and
// v1-floaty power levels; rooms/v10.md integers only; rooms/v12.md privileged creators).

/** The room's creators: `content.creator` (v1–10), the create sender (v11), plus `additional_creators` (v12). */
export function roomCreators(create: RoomEvent | undefined, rules: RoomVersion): Set<string> {
  const creators = new Set<string>();
  if (!create) return creators;
  if (rules.creatorIsCreateSender) creators.add(create.sender);
  else if (typeof create.content["creator"] === "string") creators.add(create.content["creator"]);
  if (rules.privilegedCreators) {
    const additional = create.content["additional_creators"];
    if (Array.isArray(additional)) for (const user of additional) if (typeof user === "string") creators.add(user);
  }
  return creators;
}

/**
 * Reads one power level value. v10+ accept only integers; older rooms also accept numeric
 * strings and truncate floats, as servers did before strict canonical JSON.
 */
export function parsePowerLevel(value: JsonValue | undefined, rules: RoomVersion): number | undefined {
  if (typeof value === "number") {
    if (Number.isInteger(value)) return value;
    return rules.integerPowerLevels || !Number.isFinite(value) ? undefined : Math.trunc(value);
  }
  if (typeof value === "string" && !rules.integerPowerLevels && /^\s*[+-]?\d+\s*$/.test(value)) {
    return Number.parseInt(value, 10);
  }
  return undefined;
}

export interface PowerLevels {
  /** Whether an `m.room.power_levels` event exists; defaults differ when it does not. */
  readonly present: boolean;
  readonly users: ReadonlyMap<string, number>;
  readonly usersDefault: number;
  readonly eventsDefault: number;
  readonly stateDefault: number;
  readonly ban: number;
  readonly kick: number;
  readonly redact: number;
  readonly invite: number;
  readonly events: ReadonlyMap<string, number>;
  readonly creators: ReadonlySet<string>;
  readonly privilegedCreators: boolean;
}

const parsedCache = new WeakMap<RoomEvent, Map<string, PowerLevels>>();

/** The effective power levels, with the spec's defaults filled in. */
export function powerLevelsFrom(
  powerLevelsEvent: RoomEvent | undefined,
  create: RoomEvent | undefined,
  rules: RoomVersion,
): PowerLevels {
  const cacheKey = `${rules.id}|${create?.event_id ?? ""}`;
  if (powerLevelsEvent) {
    const cached = parsedCache.get(powerLevelsEvent)?.get(cacheKey);
    if (cached) return cached;
  }
  const content = powerLevelsEvent?.content ?? {};
  const level = (key: string, fallback: number): number => parsePowerLevel(content[key], rules) ?? fallback;
  const users = new Map<string, number>();
  if (isJsonObject(content["users"])) {
    for (const [user, value] of Object.entries(content["users"])) {
      const parsed = parsePowerLevel(value, rules);
      if (parsed !== undefined) users.set(user, parsed);
    }
  }
  const events = new Map<string, number>();
  if (isJsonObject(content["events"])) {
    for (const [type, value] of Object.entries(content["events"])) {
      const parsed = parsePowerLevel(value, rules);
      if (parsed !== undefined) events.set(type, parsed);
    }
  }
  const present = powerLevelsEvent !== undefined;
  const levels: PowerLevels = {
    present,
    users,
    usersDefault: level("users_default", 0),
    eventsDefault: level("events_default", 0),
    // state_default is 50 with a power levels event and 0 without one (m.room.power_levels).
    stateDefault: level("state_default", present ? 50 : 0),
    ban: level("ban", 50),
    kick: level("kick", 50),
    redact: level("redact", 50),
    invite: level("invite", 0),
    events,
    creators: roomCreators(create, rules),
    privilegedCreators: rules.privilegedCreators,
  };
  if (powerLevelsEvent) {
    let byKey = parsedCache.get(powerLevelsEvent);
    if (!byKey) parsedCache.set(powerLevelsEvent, (byKey = new Map()));
    byKey.set(cacheKey, levels);
  }
  return levels;
}

/**
 * A user's power level. v12 creators are infinitely powerful; without a power levels event
 * the creator has 100 and everyone else 0; otherwise `users[user]` or `users_default`.
 */
export function userPowerLevel(levels: PowerLevels, userId: string): number {
  if (levels.privilegedCreators && levels.creators.has(userId)) return Number.POSITIVE_INFINITY;
  if (!levels.present) return levels.creators.has(userId) ? 100 : 0;
  return levels.users.get(userId) ?? levels.usersDefault;
}

/** The level needed to send an event of `type`: `events[type]`, else the state or events default. */
export function requiredPowerLevel(levels: PowerLevels, type: string, isState: boolean): number {
  return levels.events.get(type) ?? (isState ? levels.stateDefault : levels.eventsDefault);
}

