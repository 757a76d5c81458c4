import { randomBytes } from "node:crypto";
import { record, type VerifyContext } from "../context.ts";
import { jsonObject, type HttpRequest, type HttpResponse } from "../http.ts";

const GROUP = "account";

export interface Session {
  accessToken: string;
  userId?: string;
  /** True when the verifier logged in itself and must log out again. */
  ownLogin: boolean;
}

function authed(token: string, req: HttpRequest): HttpRequest {
  return { ...req, headers: { ...req.headers, authorization: `Bearer ${token}` } };
}

/** Logs in when given a user and password; the token is kept in memory only and never printed. */
export async function openSession(context: VerifyContext, baseUrl: string): Promise<Session | undefined> {
  const credentials = context.options.credentials;
  if (!credentials) return undefined;
  if ("accessToken" in credentials) return { accessToken: credentials.accessToken, ownLogin: false };
  const url = `${baseUrl}/_matrix/client/v3/login`;
  try {
    const r = await context.http.request({
      method: "POST",
      url,
      json: { type: "m.login.password", identifier: { type: "m.id.user", user: credentials.user }, password: credentials.password, initial_device_display_name: "gauntlet verify" },
    });
    const body = jsonObject(r.body);
    if (r.status === 200 && typeof body?.access_token === "string") {
      record(context, GROUP, "account.login", "Password login", "pass", [`POST ${url}`, `HTTP 200, logged in as ${String(body.user_id)}`]);
      return { accessToken: body.access_token, userId: String(body.user_id), ownLogin: true };
    }
    record(context, GROUP, "account.login", "Password login", "fail", [`POST ${url}`, `HTTP ${r.status} ${String(body?.errcode ?? "")}`], "Check the user name and password (or pass --token)");
  } catch (error) {
    record(context, GROUP, "account.login", "Password login", "fail", [`POST ${url}`, (error as Error).message], "Proxy POST /_matrix/client/ to the homeserver");
  }
  return undefined;
}

/** Logs out the device a password login created, so the check leaves no session behind. */
export async function closeSession(context: VerifyContext, baseUrl: string, session: Session | undefined): Promise<void> {
  if (!session?.ownLogin) return;
  await context.http.request(authed(session.accessToken, { method: "POST", url: `${baseUrl}/_matrix/client/v3/logout`, json: {}, afterDeadline: true })).catch(() => undefined);
}

export async function checkWhoami(context: VerifyContext, baseUrl: string, session: Session | undefined): Promise<void> {
  if (!session) {
    record(context, GROUP, "account.whoami", "whoami", "skip", [context.options.credentials ? "login failed" : "needs credentials (--token, or --user and --password)"]);
    return;
  }
  const url = `${baseUrl}/_matrix/client/v3/account/whoami`;
  try {
    const r = await context.http.request(authed(session.accessToken, { url }));
    const body = jsonObject(r.body);
    if (r.status === 200 && typeof body?.user_id === "string") {
      session.userId = body.user_id;
      record(context, GROUP, "account.whoami", "whoami", "pass", [`GET ${url}`, `user_id: ${body.user_id}`]);
    } else {
      record(context, GROUP, "account.whoami", "whoami", "fail", [`GET ${url}`, `HTTP ${r.status} ${String(body?.errcode ?? "")}`], "Check the access token, and that the proxy passes the Authorization header");
    }
  } catch (error) {
    record(context, GROUP, "account.whoami", "whoami", "fail", [`GET ${url}`, (error as Error).message], "Proxy /_matrix/client/ to the homeserver");
  }
}

const WRITE_CHECKS = [
  ["account.room", "Create a private room"],
  ["account.send", "Send a message"],
  ["account.sync", "/sync round trip"],
  ["account.cleanup", "Leave and forget the room"],
] as const;

/** Creates a private room, sends, waits for the message in /sync, then leaves and forgets the room. */
export async function checkWrites(context: VerifyContext, baseUrl: string, session: Session | undefined): Promise<void> {
  if (!session || !context.options.allowWrites) {
    const reason = !context.options.allowWrites ? "read-only run (pass --allow-writes with credentials to exercise it)" : "needs credentials (--token, or --user and --password)";
    for (const [id, title] of WRITE_CHECKS) record(context, GROUP, id, title, "skip", [reason]);
    return;
  }
  const client = `${baseUrl}/_matrix/client/v3`;
  const call = (req: HttpRequest): Promise<HttpResponse> => context.http.request(authed(session.accessToken, req));
  let roomId: string | undefined;
  const pending = () => WRITE_CHECKS.filter(([id]) => !context.results.some((r) => r.id === id));
  const skipRest = (why: string) => {
    for (const [id, title] of pending()) record(context, GROUP, id, title, "skip", [why]);
  };
  try {
    const created = await call({ method: "POST", url: `${client}/createRoom`, json: { preset: "private_chat", visibility: "private", name: "gauntlet verify (safe to delete)" } });
    const createdBody = jsonObject(created.body);
    if (created.status !== 200 || typeof createdBody?.room_id !== "string") {
      record(context, GROUP, "account.room", "Create a private room", "fail", [`POST ${client}/createRoom`, `HTTP ${created.status} ${String(createdBody?.errcode ?? "")}`], "Check room creation limits and that the proxy passes POST requests");
      return skipRest("no room was created");
    }
    roomId = createdBody.room_id;
    record(context, GROUP, "account.room", "Create a private room", "pass", [`POST ${client}/createRoom`, `room ${roomId} in ${created.elapsedMs.toFixed(0)} ms`]);

    const room = encodeURIComponent(roomId);
    // A filter limited to the new room keeps /sync small on busy accounts (client-server API "Filtering").
    const filter = encodeURIComponent(JSON.stringify({ room: { rooms: [roomId], timeline: { limit: 5 }, state: { lazy_load_members: true } }, presence: { types: [] }, account_data: { types: [] } }));
    const initial = await call({ url: `${client}/sync?timeout=0&filter=${filter}` });
    const since = jsonObject(initial.body)?.next_batch;

    const sentAt = performance.now();
    const txn = `gauntlet-${randomBytes(6).toString("hex")}`;
    const sent = await call({ method: "PUT", url: `${client}/rooms/${room}/send/m.room.message/${txn}`, json: { msgtype: "m.notice", body: "gauntlet verify: round-trip check" } });
    const eventId = jsonObject(sent.body)?.event_id;
    if (sent.status !== 200 || typeof eventId !== "string") {
      record(context, GROUP, "account.send", "Send a message", "fail", [`PUT ${client}/rooms/…/send/m.room.message/…`, `HTTP ${sent.status}`], "Check that the proxy passes PUT requests and that the homeserver accepts messages");
        record(context, GROUP, "account.sync", "/sync round trip", "skip", ["nothing was sent"]);
    } else {
      record(context, GROUP, "account.send", "Send a message", "pass", [`event ${eventId} in ${sent.elapsedMs.toFixed(0)} ms`]);
        let seenAfter: number | undefined;
      let token = typeof since === "string" ? since : undefined;
      // Bounded long-poll: five rounds of at most 5 s each.
      for (let round = 0; round < 5 && seenAfter === undefined; round++) {
        const r = await call({ url: `${client}/sync?timeout=5000&filter=${filter}${token ? `&since=${encodeURIComponent(token)}` : ""}` });
        const body = jsonObject(r.body);
        if (r.status !== 200 || !body) break;
        token = typeof body.next_batch === "string" ? body.next_batch : token;
        const events = ((body.rooms as { join?: Record<string, { timeline?: { events?: { event_id?: string }[] } }> } | undefined)?.join?.[roomId]?.timeline?.events ?? []);
        if (events.some((e) => e.event_id === eventId)) seenAfter = performance.now() - sentAt;
      }
      if (seenAfter === undefined) {
        record(context, GROUP, "account.sync", "/sync round trip", "fail", [`event ${eventId} did not arrive in /sync within 5 long-polls`], "Check the proxy's read timeout (nginx: proxy_read_timeout) and buffering for /sync");
      } else {
        // A message that takes seconds to come back through /sync is felt by every user.
        record(context, GROUP, "account.sync", "/sync round trip", seenAfter > 2000 ? "warn" : "pass", [`send to /sync delivery: ${seenAfter.toFixed(0)} ms`], "Look for proxy buffering on /sync or an overloaded homeserver");
      }
    }

    const left = await call({ method: "POST", url: `${client}/rooms/${room}/leave`, json: {} });
    const forgot = await call({ method: "POST", url: `${client}/rooms/${room}/forget`, json: {} });
    const cleaned = left.status === 200 && forgot.status === 200;
    record(context, GROUP, "account.cleanup", "Leave and forget the room", cleaned ? "pass" : "warn", [`leave: HTTP ${left.status}`, `forget: HTTP ${forgot.status}`], `Leave and forget ${roomId} by hand`);
    roomId = undefined;
  } catch (error) {
    const message = (error as Error).message;
    if (roomId) {
      // Best effort so an error midway does not leave the room joined.
      const room = encodeURIComponent(roomId);
      await call({ method: "POST", url: `${client}/rooms/${room}/leave`, json: {} }).catch(() => undefined);
      await call({ method: "POST", url: `${client}/rooms/${room}/forget`, json: {} }).catch(() => undefined);
    }
    const [next] = pending();
    if (next) record(context, GROUP, next[0], next[1], "fail", [message], "Check that the proxy passes client API requests to the homeserver");
    skipRest("an earlier step failed");
  }
}
