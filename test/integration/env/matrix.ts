// Just enough of the client-server API for the environment's own tests.
import type { ProvisionedUser } from "../../../src/env/profiles/types.ts";

export interface Session {
  baseUrl: string;
  user: ProvisionedUser;
}

export async function call<T = Record<string, unknown>>(session: Session, method: string, path: string, body?: unknown): Promise<T> {
  const response = await fetch(new URL(path, session.baseUrl), {
    method,
    headers: { authorization: `Bearer ${session.user.accessToken}`, "content-type": "application/json" },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    signal: AbortSignal.timeout(30_000),
  });
  const text = await response.text();
  if (response.status !== 200) throw new Error(`${method} ${path} answered HTTP ${response.status}: ${text.slice(0, 500)}`);
  return JSON.parse(text) as T;
}

/** Long-polls /sync until a message with `body` shows in the room's timeline, or the deadline passes. */
export async function syncUntilMessage(session: Session, roomId: string, body: string, deadlineMs = 60_000): Promise<void> {
  const start = Date.now();
  let since: string | undefined;
  for (let round = 0; round < 200 && Date.now() - start < deadlineMs; round++) {
    const query = new URLSearchParams({ timeout: "5000", ...(since ? { since } : {}) });
    const sync = await call<{ next_batch: string; rooms?: { join?: Record<string, { timeline?: { events?: { type: string; content?: { body?: string } }[] } }> } }>(
      session,
      "GET",
      `/_matrix/client/v3/sync?${query}`,
    );
    since = sync.next_batch;
    const events = sync.rooms?.join?.[roomId]?.timeline?.events ?? [];
    if (events.some((event) => event.type === "m.room.message" && event.content?.body === body)) return;
  }
  throw new Error(`${session.user.userId} did not see "${body}" in ${roomId} within ${deadlineMs} ms`);
}

export async function sendMessage(session: Session, roomId: string, body: string): Promise<string> {
  const txn = `t${Date.now()}${Math.random().toString(36).slice(2)}`;
  const result = await call<{ event_id: string }>(session, "PUT", `/_matrix/client/v3/rooms/${encodeURIComponent(roomId)}/send/m.room.message/${txn}`, {
    msgtype: "m.text",
    body,
  });
  return result.event_id;
}
