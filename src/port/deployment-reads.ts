// The reads that must answer the same before and after a database is moved: what a seeded
// deployment's users see of their rooms, state, timelines, media, account data, devices and
// keys, through the client-server API only.
import { createHash } from "node:crypto";
import { MatrixClient } from "../client/client.ts";
import { endpoints } from "../client/endpoints.ts";
import type { SeededDeployment } from "./seed-deployment.ts";

/** One read's answer: its status and its body, with what changes by itself over time taken out. */
export interface ReadAnswer {
  readonly status: number;
  readonly body: unknown;
}

/** Every read by name, e.g. `@alice:hs state of !room`. */
export type ReadAnswers = Map<string, ReadAnswer>;

// These change on their own between two reads of the same data: an event's age grows, a
// device's last-seen time and address move with each use.
const TIME_VARYING = new Set(["age", "last_seen_ts", "last_seen_ip", "last_seen_user_agent"]);

/** A copy of a JSON value without time-varying fields, with object keys sorted. */
export function stableAnswer(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(stableAnswer);
  if (value === null || typeof value !== "object") return value;
  const result: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort()) {
    if (TIME_VARYING.has(key)) continue;
    result[key] = stableAnswer((value as Record<string, unknown>)[key]);
  }
  return result;
}

export async function readDeployment(baseUrl: string, seeded: SeededDeployment): Promise<ReadAnswers> {
  const answers: ReadAnswers = new Map();
  const record = (name: string, status: number, body: unknown): void => void answers.set(name, { status, body: stableAnswer(body) });
  const userIds = seeded.users.map((user) => user.userId);
  for (const user of seeded.users) {
    const client = new MatrixClient({ baseUrl, accessToken: user.accessToken, userId: user.userId, deviceId: user.deviceId });
    const who = user.userId;
    const rooms = await client.call(endpoints.joinedRooms);
    record(`${who} joined rooms`, rooms.status, { joined_rooms: [...((rooms.body as { joined_rooms?: string[] }).joined_rooms ?? [])].sort() });
    const profile = await client.call(endpoints.profile, { path: { userId: who } });
    record(`${who} profile`, profile.status, profile.body);
    const devices = await client.call(endpoints.devices);
    record(`${who} devices`, devices.status, devices.body);
    for (const type of seeded.accountDataTypes) {
      const data = await client.call(endpoints.getAccountData, { path: { userId: who, type } });
      record(`${who} account data ${type}`, data.status, data.body);
    }
    const roomData = await client.call(endpoints.getRoomAccountData, { path: { userId: who, roomId: seeded.rooms[0]!, type: "org.gauntlet.port.room" } });
    record(`${who} room account data in ${seeded.rooms[0]}`, roomData.status, roomData.body);
    // An upload of nothing answers with the counts of one-time keys left (client-server-api/#post_matrixclientv3keysupload).
    const counts = await client.call(endpoints.keysUpload, { body: {} });
    record(`${who} one-time key counts`, counts.status, counts.body);
    const keys = await client.call(endpoints.keysQuery, { body: { device_keys: Object.fromEntries(userIds.map((id) => [id, []])) } });
    record(`${who} keys query of every user`, keys.status, keys.body);
    client.close();
  }
  const owner = seeded.users[0]!;
  const client = new MatrixClient({ baseUrl, accessToken: owner.accessToken, userId: owner.userId, deviceId: owner.deviceId });
  for (const roomId of seeded.rooms) {
    const state = await client.call(endpoints.getState, { path: { roomId } });
    const events = Array.isArray(state.body) ? [...(state.body as { type: string; state_key: string }[])] : state.body;
    if (Array.isArray(events)) events.sort((a, b) => `${a.type}\u0000${a.state_key}`.localeCompare(`${b.type}\u0000${b.state_key}`));
    record(`${roomId} state`, state.status, events);
    const timeline = await client.call(endpoints.messages, { path: { roomId }, query: { dir: "b", limit: 1000 } });
    // The events, not the pagination tokens: `start` is the server's current position, which
    // includes in-memory streams (typing) that begin anew when a homeserver starts.
    record(`${roomId} timeline`, timeline.status, { chunk: (timeline.body as { chunk?: unknown }).chunk });
  }
  for (const uri of seeded.media) {
    const [serverName, mediaId] = uri.replace(/^mxc:\/\//, "").split("/") as [string, string];
    const media = await client.raw(endpoints.mediaDownload, { path: { serverName, mediaId } });
    record(`media ${uri}`, media.status, { contentType: media.contentType, bytes: media.bytes.length, sha256: createHash("sha256").update(media.bytes).digest("hex") });
  }
  client.close();
  return answers;
}
