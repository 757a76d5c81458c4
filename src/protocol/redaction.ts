import { isJsonObject, type JsonObject } from "./json.ts";
import { roomVersion as resolveRoomVersion, type RoomVersion } from "./room-versions.ts";

// Redaction algorithm (client-server API "Redactions"; rooms/fragments v1, v6, v9, v11-redactions
// and rooms/v8.md): keep only the top-level keys and content keys that the auth rules need.

const TOP_LEVEL_KEYS_V1 = [
  "event_id", "type", "room_id", "sender", "state_key", "content", "hashes", "signatures",
  "depth", "prev_events", "prev_state", "auth_events", "origin", "origin_server_ts", "membership",
];
// v11 dropped `origin`, `membership` and `prev_state` (v11-redactions).
const TOP_LEVEL_KEYS_V11 = TOP_LEVEL_KEYS_V1.filter((key) => !["origin", "membership", "prev_state"].includes(key));

const POWER_LEVEL_KEYS = ["ban", "events", "events_default", "kick", "redact", "state_default", "users", "users_default"];

/**
 * Returns the redacted copy of `event` for the room version. The copy always has a `content`
 * object, even when the original had none, so that signatures over redacted forms agree.
 */
export function redactEvent<T extends JsonObject>(event: T, version: string | RoomVersion): JsonObject {
  const rules = resolveRoomVersion(version).redactionRules;
  const keptTopLevel = rules === "v11" ? TOP_LEVEL_KEYS_V11 : TOP_LEVEL_KEYS_V1;
  const redacted: JsonObject = {};
  for (const key of keptTopLevel) {
    const value = event[key];
    if (value !== undefined) redacted[key] = value;
  }
  const content = isJsonObject(event["content"]) ? event["content"] : {};
  redacted["content"] = redactContent(typeof event["type"] === "string" ? event["type"] : "", content, rules);
  return redacted;
}

function redactContent(type: string, content: JsonObject, rules: RoomVersion["redactionRules"]): JsonObject {
  const kept: JsonObject = {};
  const keep = (key: string): void => {
    const value = content[key];
    if (value !== undefined) kept[key] = value;
  };
  switch (type) {
    case "m.room.member":
      keep("membership");
      if (rules === "v9" || rules === "v11") keep("join_authorised_via_users_server");
      if (rules === "v11") {
        // v11 keeps only `signed` inside third_party_invite, for the third-party invite auth rule.
        const invite = content["third_party_invite"];
        if (isJsonObject(invite)) {
          kept["third_party_invite"] = invite["signed"] === undefined ? {} : { signed: invite["signed"] };
        }
      }
      break;
    case "m.room.create":
      // v11 keeps every content key of the create event (MSC2176).
      if (rules === "v11") return { ...content };
      keep("creator");
      break;
    case "m.room.join_rules":
      keep("join_rule");
      if (rules === "v8" || rules === "v9" || rules === "v11") keep("allow");
      break;
    case "m.room.power_levels":
      for (const key of POWER_LEVEL_KEYS) keep(key);
      if (rules === "v11") keep("invite");
      break;
    case "m.room.aliases":
      if (rules === "v1") keep("aliases");
      break;
    case "m.room.history_visibility":
      keep("history_visibility");
      break;
    case "m.room.redaction":
      if (rules === "v11") keep("redacts");
      break;
  }
  return kept;
}
