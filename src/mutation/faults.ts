// The faults the mutation check injects: each makes a homeserver break one rule of the
// client-server spec, and names the suite files that should notice. A fault no test catches is
// a hole in the suites (or a rule the spec does not make; then it says so in `unforbidden`).
import type { FaultContext, Interceptor, ProxyRequest, ProxyResponse } from "./proxy.ts";

export type FaultClass = "schema" | "errors" | "behaviour" | "security" | "privacy";

export interface Fault extends Interceptor {
  readonly id: string;
  readonly class: FaultClass;
  /** What the homeserver does wrong, in one sentence. */
  readonly description: string;
  /** The spec section the fault breaks. */
  readonly rule: string;
  /** Suite ids (`client/sync`) whose tests should fail while the fault is injected. */
  readonly catchers: readonly string[];
  /** Which of the homeserver's APIs the fault is injected into; default the client-server API. */
  readonly api?: "client" | "federation";
  /** Set when no spec rule forbids what the fault does: why it may go uncaught. */
  readonly unforbidden?: string;
}

export type Json = Record<string, unknown>;

const CLIENT = "/_matrix/client/";

function pathOf(request: ProxyRequest): string {
  return request.path.replace(/\?.*$/, "");
}

export function route(method: string | undefined, pattern: RegExp): (request: ProxyRequest) => boolean {
  return (request) => (method === undefined || request.method === method) && pattern.test(pathOf(request));
}

export function json(status: number, body: unknown, headers: Record<string, string> = {}): ProxyResponse {
  return { status, headers: { ...headers, "content-type": "application/json" }, body: Buffer.from(JSON.stringify(body)) };
}

export function parse(response: ProxyResponse): Json | undefined {
  try {
    const value = JSON.parse(response.body.toString("utf8")) as unknown;
    return value && typeof value === "object" && !Array.isArray(value) ? (value as Json) : undefined;
  } catch {
    return undefined;
  }
}

function bearer(request: ProxyRequest): string | undefined {
  return /^Bearer (.+)$/.exec(request.headers.authorization ?? "")?.[1];
}

function withToken(request: ProxyRequest, token: string): ProxyRequest {
  return { ...request, headers: { ...request.headers, authorization: `Bearer ${token}` } };
}

/** A fault that rewrites the JSON of successful responses of some route. */
export function rewriteSuccess(
  base: Omit<Fault, "applies" | "handle">,
  method: string | undefined,
  pattern: RegExp,
  mutate: (body: Json, context: FaultContext) => unknown,
): Fault {
  return {
    ...base,
    applies: route(method, pattern),
    async handle(context) {
      const response = await context.forward();
      const body = response.status >= 200 && response.status < 300 ? parse(response) : undefined;
      if (!body) return response;
      return { ...response, body: Buffer.from(JSON.stringify(mutate(body, context) ?? body)) };
    },
  };
}

/** A fault that changes error answers (by errcode) into other ones. */
export function rewriteError(base: Omit<Fault, "applies" | "handle">, errcode: string, replacement: (status: number, body: Json) => ProxyResponse, pattern = /./): Fault {
  return {
    ...base,
    applies: route(undefined, pattern),
    async handle(context) {
      const response = await context.forward();
      const body = response.status >= 400 ? parse(response) : undefined;
      return body?.errcode === errcode ? replacement(response.status, body) : response;
    },
  };
}

/** A fault that answers a write with success without performing it. */
function pretendSuccess(base: Omit<Fault, "applies" | "handle">, method: string, pattern: RegExp, answer: (request: ProxyRequest) => unknown = () => ({})): Fault {
  return { ...base, applies: route(method, pattern), handle: async ({ request }) => json(200, answer(request)) };
}

/** A fault that acts on a user's resource with that user's own token: the server does not check who asks. */
function actAsPathUser(base: Omit<Fault, "applies" | "handle">, method: string | undefined, pattern: RegExp): Fault {
  return {
    ...base,
    applies: route(method, pattern),
    async handle(context) {
      const match = pattern.exec(pathOf(context.request));
      const owner = match?.groups?.user ? decodeURIComponent(match.groups.user) : undefined;
      const token = owner ? context.tokenOf(owner) : undefined;
      const asker = bearer(context.request);
      if (!token || !asker || context.userOf(asker) === owner) return context.forward();
      return context.forward(withToken(context.request, token));
    },
  };
}

/** A fault that answers a refusal (403) by retrying as any user the proxy knows who is allowed. */
function leakPastRefusal(base: Omit<Fault, "applies" | "handle">, method: string, pattern: RegExp): Fault {
  return {
    ...base,
    applies: route(method, pattern),
    async handle(context) {
      const response = await context.forward();
      if (response.status !== 403) return response;
      for (const token of context.tokens().slice(-40)) {
        const retried = await context.forward(withToken(context.request, token));
        if (retried.status === 200) return retried;
      }
      return response;
    },
  };
}

const AUTHENTICATED = /^\/_matrix\/client\/v3\/(sync|account\/whoami|joined_rooms|devices|pushrules\/|user\/|rooms\/|createRoom|profile\/[^/]+\/displayname$)/;

export const FAULTS: readonly Fault[] = [
  // Response schemas: a field the spec requires is missing or of the wrong type.
  rewriteSuccess({ id: "schema/sync-without-next_batch", class: "schema", description: "/sync answers without next_batch", rule: "client-server-api/#get_matrixclientv3sync", catchers: ["client/sync"] },
    "GET", /\/v3\/sync$/, (body) => { delete body.next_batch; }),
  rewriteSuccess({ id: "schema/versions-not-a-list", class: "schema", description: "/versions gives versions as a string", rule: "client-server-api/#get_matrixclientversions", catchers: ["client/discovery"] },
    "GET", /\/_matrix\/client\/versions$/, (body) => ({ ...body, versions: "v1.19" })),
  rewriteSuccess({ id: "schema/login-flows-without-type", class: "schema", description: "GET /login lists flows without their type", rule: "client-server-api/#get_matrixclientv3login", catchers: ["client/login"] },
    "GET", /\/v3\/login$/, (body) => ({ flows: (body.flows as Json[] | undefined)?.map(({ type: _type, ...rest }) => rest) })),
  rewriteSuccess({ id: "schema/create-room-without-room_id", class: "schema", description: "createRoom answers without room_id", rule: "client-server-api/#post_matrixclientv3createroom", catchers: ["client/create-room"] },
    "POST", /\/v3\/createRoom$/, () => ({})),
  rewriteSuccess({ id: "schema/send-event_id-number", class: "schema", description: "sending an event answers with a numeric event_id", rule: "client-server-api/#put_matrixclientv3roomsroomidsendeventtypetxnid", catchers: ["client/events"] },
    "PUT", /\/v3\/rooms\/[^/]+\/send\//, () => ({ event_id: 42 })),
  rewriteSuccess({ id: "schema/displayname-number", class: "schema", description: "a profile's displayname is a number", rule: "client-server-api/#get_matrixclientv3profileuserid", catchers: ["client/profile"] },
    "GET", /\/v3\/profile\/[^/]+(\/displayname)?$/, (body) => ({ ...body, displayname: 7 })),
  rewriteSuccess({ id: "schema/devices-without-device_id", class: "schema", description: "GET /devices lists devices without device_id", rule: "client-server-api/#get_matrixclientv3devices", catchers: ["client/devices"] },
    "GET", /\/v3\/devices$/, (body) => ({ devices: (body.devices as Json[] | undefined)?.map(({ device_id: _id, ...rest }) => rest) })),
  rewriteSuccess({ id: "schema/whoami-without-user_id", class: "schema", description: "whoami answers without user_id", rule: "client-server-api/#get_matrixclientv3accountwhoami", catchers: ["client/account", "client/login"] },
    "GET", /\/v3\/account\/whoami$/, ({ user_id: _user, ...rest }) => rest),
  rewriteSuccess({ id: "schema/messages-without-chunk", class: "schema", description: "/messages answers without chunk", rule: "client-server-api/#get_matrixclientv3roomsroomidmessages", catchers: ["client/events"] },
    "GET", /\/v3\/rooms\/[^/]+\/messages$/, ({ chunk: _chunk, ...rest }) => rest),
  rewriteSuccess({ id: "schema/capabilities-missing", class: "schema", description: "/capabilities answers without capabilities", rule: "client-server-api/#get_matrixclientv3capabilities", catchers: ["client/discovery", "client/server-features"] },
    "GET", /\/v3\/capabilities$/, () => ({})),
  rewriteSuccess({ id: "schema/keys-query-without-device_keys", class: "schema", description: "/keys/query answers without device_keys", rule: "client-server-api/#post_matrixclientv3keysquery", catchers: ["client/keys"] },
    "POST", /\/v3\/keys\/query$/, ({ device_keys: _keys, ...rest }) => rest),
  rewriteSuccess({ id: "schema/media-config-size-string", class: "schema", description: "the media config gives m.upload.size as a string", rule: "client-server-api/#get_matrixclientv1mediaconfig", catchers: ["client/media"] },
    "GET", /\/media\/config$/, (body) => ({ ...body, "m.upload.size": "50M" })),
  rewriteSuccess({ id: "schema/pushrules-without-global", class: "schema", description: "GET /pushrules/ answers without the global ruleset", rule: "client-server-api/#get_matrixclientv3pushrules", catchers: ["client/push"] },
    "GET", /\/v3\/pushrules\/?$/, () => ({})),
  rewriteSuccess({ id: "schema/joined_rooms-not-a-list", class: "schema", description: "/joined_rooms gives joined_rooms as an object", rule: "client-server-api/#get_matrixclientv3joined_rooms", catchers: ["client/create-room"] },
    "GET", /\/v3\/joined_rooms$/, () => ({ joined_rooms: {} })),
  {
    id: "schema/state-events-without-type", class: "schema", description: "a room's full state lists events without their type", rule: "client-server-api/#get_matrixclientv3roomsroomidstate", catchers: ["client/create-room"],
    applies: route("GET", /\/v3\/rooms\/[^/]+\/state$/),
    async handle(context) {
      const response = await context.forward();
      if (response.status !== 200) return response;
      const events = JSON.parse(response.body.toString("utf8")) as Json[];
      return { ...response, body: Buffer.from(JSON.stringify(events.map(({ type: _type, ...rest }) => rest))) };
    },
  },
  rewriteSuccess({ id: "schema/context-without-event", class: "schema", description: "/context answers without the event asked for", rule: "client-server-api/#get_matrixclientv3roomsroomidcontexteventid", catchers: ["client/events"] },
    "GET", /\/v3\/rooms\/[^/]+\/context\//, ({ event: _event, ...rest }) => rest),
  rewriteSuccess({ id: "schema/sync-events-without-event_id", class: "schema", description: "timeline events in /sync come without event_id", rule: "client-server-api/#get_matrixclientv3sync", catchers: ["client/sync"] },
    "GET", /\/v3\/sync$/, (body) => {
      for (const room of Object.values(((body.rooms as Json | undefined)?.join ?? {}) as Record<string, Json>)) {
        const timeline = room.timeline as { events?: Json[] } | undefined;
        for (const event of timeline?.events ?? []) delete event.event_id;
      }
    }),
  rewriteSuccess({ id: "schema/public-rooms-without-chunk", class: "schema", description: "the public room directory answers without chunk", rule: "client-server-api/#get_matrixclientv3publicrooms", catchers: ["client/directory"] },
    undefined, /\/v3\/publicRooms$/, ({ chunk: _chunk, ...rest }) => rest),
  rewriteSuccess({ id: "schema/upload-without-content_uri", class: "schema", description: "a media upload answers without content_uri", rule: "client-server-api/#post_matrixmediav3upload", catchers: ["client/media"] },
    "POST", /\/_matrix\/media\/v3\/upload$/, () => ({})),
  rewriteSuccess({ id: "schema/one-time-key-counts-strings", class: "schema", description: "/keys/upload counts one-time keys as strings", rule: "client-server-api/#post_matrixclientv3keysupload", catchers: ["client/keys"] },
    "POST", /\/v3\/keys\/upload$/, (body) => ({ one_time_key_counts: Object.fromEntries(Object.entries((body.one_time_key_counts as Json | undefined) ?? { signed_curve25519: 0 }).map(([k, v]) => [k, String(v)])) })),

  // Error semantics: the right refusal with the wrong status or errcode.
  rewriteError({ id: "errors/unknown-token-is-403", class: "errors", description: "an unknown access token is refused with 403 M_FORBIDDEN instead of 401 M_UNKNOWN_TOKEN", rule: "client-server-api/#using-access-tokens", catchers: ["client/access", "client/account"] },
    "M_UNKNOWN_TOKEN", () => json(403, { errcode: "M_FORBIDDEN", error: "forbidden" })),
  rewriteError({ id: "errors/missing-token-is-unknown-token", class: "errors", description: "a request without a token is refused with M_UNKNOWN_TOKEN instead of M_MISSING_TOKEN", rule: "client-server-api/#using-access-tokens", catchers: ["client/access"] },
    "M_MISSING_TOKEN", (status) => json(status, { errcode: "M_UNKNOWN_TOKEN", error: "unknown token" })),
  rewriteError({ id: "errors/not-found-is-500", class: "errors", description: "what does not exist is a 500 M_UNKNOWN instead of 404 M_NOT_FOUND", rule: "client-server-api/#standard-error-response", catchers: ["client/events", "client/devices"] },
    "M_NOT_FOUND", () => json(500, { errcode: "M_UNKNOWN", error: "internal error" })),
  rewriteError({ id: "errors/forbidden-without-errcode", class: "errors", description: "403 refusals carry no errcode", rule: "client-server-api/#standard-error-response", catchers: ["client/membership", "client/access"] },
    "M_FORBIDDEN", (status) => json(status, { error: "forbidden" })),
  rewriteError({ id: "errors/room-in-use-is-400-unknown", class: "errors", description: "a taken alias is 400 M_UNKNOWN instead of M_ROOM_IN_USE", rule: "client-server-api/#post_matrixclientv3createroom", catchers: ["client/create-room"] },
    "M_ROOM_IN_USE", () => json(400, { errcode: "M_UNKNOWN", error: "in use" })),
  rewriteError({ id: "errors/unsupported-room-version-is-bad-json", class: "errors", description: "an unknown room version is M_BAD_JSON instead of M_UNSUPPORTED_ROOM_VERSION", rule: "client-server-api/#post_matrixclientv3createroom", catchers: ["client/create-room"] },
    "M_UNSUPPORTED_ROOM_VERSION", (status) => json(status, { errcode: "M_BAD_JSON", error: "bad" })),
  rewriteError({ id: "errors/user-in-use-is-unknown", class: "errors", description: "a taken username is 400 M_UNKNOWN instead of M_USER_IN_USE", rule: "client-server-api/#get_matrixclientv3registeravailable", catchers: ["client/registration"] },
    "M_USER_IN_USE", () => json(400, { errcode: "M_UNKNOWN", error: "taken" })),
  rewriteError({ id: "errors/invalid-username-is-unknown", class: "errors", description: "an invalid username is 400 M_UNKNOWN instead of M_INVALID_USERNAME", rule: "client-server-api/#get_matrixclientv3registeravailable", catchers: ["client/registration"] },
    "M_INVALID_USERNAME", () => json(400, { errcode: "M_UNKNOWN", error: "invalid" })),
  rewriteError({ id: "errors/bad-json-is-500", class: "errors", description: "a malformed request body is a 500 instead of 400 M_BAD_JSON", rule: "client-server-api/#standard-error-response", catchers: ["client/ephemeral", "client/keys"] },
    "M_BAD_JSON", () => json(500, { errcode: "M_UNKNOWN", error: "internal error" })),
  rewriteError({ id: "errors/missing-param-is-unknown", class: "errors", description: "a missing parameter is M_UNKNOWN instead of M_MISSING_PARAM", rule: "client-server-api/#standard-error-response", catchers: ["client/profile"] },
    "M_MISSING_PARAM", (status) => json(status, { errcode: "M_UNKNOWN", error: "missing" })),
  {
    id: "errors/uia-without-flows", class: "errors", description: "user-interactive auth is demanded with a 401 that lists no flows", rule: "client-server-api/#user-interactive-authentication-api", catchers: ["client/devices", "client/account"],
    applies: route(undefined, /\/v3\/(devices|delete_devices|account\/password|account\/deactivate|keys\/device_signing\/upload)/),
    async handle(context) {
      const response = await context.forward();
      const body = response.status === 401 ? parse(response) : undefined;
      if (!body || !("flows" in body)) return response;
      return json(401, { session: body.session, params: {} });
    },
  },
  {
    id: "errors/error-as-html", class: "errors", description: "errors come back as an HTML page instead of a JSON error object", rule: "client-server-api/#standard-error-response", catchers: ["client/access", "client/events"],
    applies: route(undefined, /./),
    async handle(context) {
      const response = await context.forward();
      if (response.status < 400) return response;
      return { status: response.status, headers: { "content-type": "text/html" }, body: Buffer.from("<html><body>error</body></html>") };
    },
  },

  // Behaviour: ordering, pagination, filters, delivery, idempotency, writes that do nothing.
  {
    id: "behaviour/transaction-ids-ignored", class: "behaviour", description: "a retried transaction creates a second event", rule: "client-server-api/#transaction-identifiers", catchers: ["client/events"],
    applies: route("PUT", /\/v3\/rooms\/[^/]+\/send\/[^/]+\/[^/]+$/),
    handle: (context) => context.forward({ ...context.request, path: context.request.path.replace(/\/([^/?]+)(\?|$)/, `/$1-${Math.random().toString(36).slice(2)}$2`) }),
  },
  rewriteSuccess({ id: "behaviour/messages-in-wrong-order", class: "behaviour", description: "/messages returns its page in the opposite order", rule: "client-server-api/#get_matrixclientv3roomsroomidmessages", catchers: ["client/events"] },
    "GET", /\/v3\/rooms\/[^/]+\/messages$/, (body) => ({ ...body, chunk: [...((body.chunk as unknown[]) ?? [])].reverse() })),
  {
    id: "behaviour/messages-limit-ignored", class: "behaviour", description: "/messages ignores its limit", rule: "client-server-api/#get_matrixclientv3roomsroomidmessages", catchers: ["client/events"],
    applies: route("GET", /\/v3\/rooms\/[^/]+\/messages$/),
    handle: (context) => context.forward({ ...context.request, path: context.request.path.replace(/([?&])limit=\d+/, "$1limit=1000") }),
  },
  {
    id: "behaviour/sync-filter-ignored", class: "behaviour", description: "/sync ignores the filter it is given", rule: "client-server-api/#filtering", catchers: ["client/sync"],
    applies: route("GET", /\/v3\/sync$/),
    handle: (context) => context.forward({ ...context.request, path: context.request.path.replace(/([?&])filter=[^&]*&?/, "$1").replace(/[?&]$/, "") }),
  },
  rewriteSuccess({ id: "behaviour/ephemeral-events-dropped", class: "behaviour", description: "typing notifications and receipts never reach /sync", rule: "client-server-api/#typing-notifications", catchers: ["client/ephemeral"] },
    "GET", /\/v3\/sync$/, (body) => {
      const joined = (body.rooms as Json | undefined)?.join as Record<string, Json> | undefined;
      for (const room of Object.values(joined ?? {})) room.ephemeral = { events: [] };
    }),
  rewriteSuccess({ id: "behaviour/to-device-dropped", class: "behaviour", description: "to-device messages never reach /sync", rule: "client-server-api/#send-to-device-messaging", catchers: ["client/keys"] },
    "GET", /\/v3\/sync$/, (body) => ({ ...body, to_device: { events: [] } })),
  pretendSuccess({ id: "behaviour/redaction-does-nothing", class: "behaviour", description: "a redaction is acknowledged but the event keeps its content", rule: "client-server-api/#redactions", catchers: ["client/events"] },
    "PUT", /\/v3\/rooms\/[^/]+\/redact\//, () => ({ event_id: `$fake${Math.random().toString(36).slice(2)}` })),
  pretendSuccess({ id: "behaviour/account-data-not-stored", class: "behaviour", description: "account data is acknowledged but not stored", rule: "client-server-api/#client-config", catchers: ["client/ephemeral"] },
    "PUT", /\/v3\/user\/[^/]+\/(rooms\/[^/]+\/)?account_data\//),
  pretendSuccess({ id: "behaviour/displayname-not-stored", class: "behaviour", description: "setting a display name is acknowledged but not stored", rule: "client-server-api/#put_matrixclientv3profileuseriddisplayname", catchers: ["client/profile"] },
    "PUT", /\/v3\/profile\/[^/]+\/displayname$/),
  pretendSuccess({ id: "behaviour/leave-does-nothing", class: "behaviour", description: "leaving a room is acknowledged but the user stays joined", rule: "client-server-api/#post_matrixclientv3roomsroomidleave", catchers: ["client/membership"] },
    "POST", /\/v3\/rooms\/[^/]+\/leave$/),
  {
    id: "behaviour/sync-since-ignored", class: "behaviour", description: "/sync ignores since and answers every call as an initial sync", rule: "client-server-api/#get_matrixclientv3sync", catchers: ["client/sync"],
    applies: route("GET", /\/v3\/sync$/),
    handle: (context) => context.forward({ ...context.request, path: context.request.path.replace(/([?&])since=[^&]*&?/, "$1").replace(/[?&]$/, "") }),
  },
  rewriteSuccess({ id: "behaviour/sync-timeline-duplicated", class: "behaviour", description: "/sync delivers each timeline event twice", rule: "client-server-api/#syncing", catchers: ["client/sync", "client/events"] },
    "GET", /\/v3\/sync$/, (body) => {
      for (const room of Object.values(((body.rooms as Json | undefined)?.join ?? {}) as Record<string, Json>)) {
        const timeline = room.timeline as { events?: Json[] } | undefined;
        if (timeline?.events) timeline.events = timeline.events.flatMap((event) => [event, event]);
      }
    }),
  rewriteSuccess({ id: "behaviour/to-device-delivered-twice", class: "behaviour", description: "to-device messages are delivered again after the client acknowledged them", rule: "client-server-api/#send-to-device-messaging", catchers: ["client/keys"] },
    "GET", /\/v3\/sync$/, (body) => {
      const toDevice = body.to_device as { events?: Json[] } | undefined;
      if (toDevice?.events) toDevice.events = toDevice.events.flatMap((event) => [event, event]);
    }),
  pretendSuccess({ id: "behaviour/state-not-stored", class: "behaviour", description: "setting room state is acknowledged but not stored", rule: "client-server-api/#put_matrixclientv3roomsroomidstateeventtypestatekey", catchers: ["client/events"] },
    "PUT", /\/v3\/rooms\/[^/]+\/state\//, () => ({ event_id: `$fake${Math.random().toString(36).slice(2)}` })),
  pretendSuccess({ id: "behaviour/typing-not-sent", class: "behaviour", description: "typing notifications are acknowledged but never sent", rule: "client-server-api/#typing-notifications", catchers: ["client/ephemeral"] },
    "PUT", /\/v3\/rooms\/[^/]+\/typing\//),
  pretendSuccess({ id: "behaviour/receipts-not-sent", class: "behaviour", description: "read receipts are acknowledged but never sent", rule: "client-server-api/#receipts", catchers: ["client/ephemeral"] },
    "POST", /\/v3\/rooms\/[^/]+\/receipt\//),
  pretendSuccess({ id: "behaviour/invite-not-sent", class: "behaviour", description: "an invite is acknowledged but never sent", rule: "client-server-api/#post_matrixclientv3roomsroomidinvite", catchers: ["client/membership", "client/create-room"] },
    "POST", /\/v3\/rooms\/[^/]+\/invite$/),
  pretendSuccess({ id: "behaviour/join-does-nothing", class: "behaviour", description: "joining is acknowledged but the user never joins", rule: "client-server-api/#post_matrixclientv3joinroomidoralias", catchers: ["client/membership"] },
    "POST", /\/v3\/(join\/[^/]+|rooms\/[^/]+\/join)$/, (request) => ({ room_id: decodeURIComponent(/\/(?:join|rooms)\/([^/]+)/.exec(pathOf(request))?.[1] ?? "") })),
  pretendSuccess({ id: "behaviour/device-rename-not-stored", class: "behaviour", description: "renaming a device is acknowledged but not stored", rule: "client-server-api/#put_matrixclientv3devicesdeviceid", catchers: ["client/devices"] },
    "PUT", /\/v3\/devices\/[^/]+$/),
  pretendSuccess({ id: "behaviour/tags-not-stored", class: "behaviour", description: "room tags are acknowledged but not stored", rule: "client-server-api/#room-tagging", catchers: ["client/ephemeral"] },
    "PUT", /\/v3\/user\/[^/]+\/rooms\/[^/]+\/tags\//),
  pretendSuccess({ id: "behaviour/presence-not-stored", class: "behaviour", description: "a presence status is acknowledged but not stored", rule: "client-server-api/#put_matrixclientv3presenceuseridstatus", catchers: ["client/ephemeral"] },
    "PUT", /\/v3\/presence\/[^/]+\/status$/),
  pretendSuccess({ id: "behaviour/push-rule-not-stored", class: "behaviour", description: "a push rule is acknowledged but not stored", rule: "client-server-api/#put_matrixclientv3pushrulesglobalkindruleid", catchers: ["client/push"] },
    "PUT", /\/v3\/pushrules\/global\/[^/]+\/[^/]+$/),
  pretendSuccess({ id: "behaviour/filter-not-stored", class: "behaviour", description: "an uploaded filter gets an ID but is not stored", rule: "client-server-api/#post_matrixclientv3useruseridfilter", catchers: ["client/account", "client/sync"] },
    "POST", /\/v3\/user\/[^/]+\/filter$/, () => ({ filter_id: "0" })),
  pretendSuccess({ id: "behaviour/logout-keeps-token", class: "behaviour", description: "logout is acknowledged but the access token keeps working", rule: "client-server-api/#post_matrixclientv3logout", catchers: ["client/login", "client/account"] },
    "POST", /\/v3\/logout(\/all)?$/),

  // Security: authentication, user-interactive auth and other users' data.
  {
    id: "security/missing-token-accepted", class: "security", description: "requests without an access token are served as some user", rule: "client-server-api/#client-authentication", catchers: ["client/access"],
    applies: (request) => request.headers.authorization === undefined && AUTHENTICATED.test(pathOf(request)),
    handle(context) {
      const borrowed = context.tokens().at(-1);
      return context.forward(borrowed ? withToken(context.request, borrowed) : undefined);
    },
  },
  {
    id: "security/unknown-token-accepted", class: "security", description: "an access token the server never issued is served as some user", rule: "client-server-api/#client-authentication", catchers: ["client/access"],
    applies: (request) => request.path.startsWith(CLIENT) && bearer(request) !== undefined,
    async handle(context) {
      const response = await context.forward();
      const body = response.status === 401 ? parse(response) : undefined;
      const borrowed = context.tokens().findLast((token) => token !== bearer(context.request));
      return body?.errcode === "M_UNKNOWN_TOKEN" && borrowed ? context.forward(withToken(context.request, borrowed)) : response;
    },
  },
  actAsPathUser({ id: "security/other-users-account-data", class: "security", description: "one user reads and writes another user's account data", rule: "client-server-api/#client-config", catchers: ["client/ephemeral"] },
    undefined, /\/v3\/user\/(?<user>[^/]+)\/(rooms\/[^/]+\/)?account_data\//),
  actAsPathUser({ id: "security/other-users-filters", class: "security", description: "one user uploads filters for another", rule: "client-server-api/#post_matrixclientv3useruseridfilter", catchers: ["client/account"] },
    undefined, /\/v3\/user\/(?<user>[^/]+)\/filter/),
  actAsPathUser({ id: "security/other-users-tags", class: "security", description: "one user tags rooms for another", rule: "client-server-api/#room-tagging", catchers: ["client/ephemeral"] },
    undefined, /\/v3\/user\/(?<user>[^/]+)\/rooms\/[^/]+\/tags/),
  actAsPathUser({ id: "security/typing-as-another-user", class: "security", description: "a user sends typing notifications as another", rule: "client-server-api/#put_matrixclientv3roomsroomidtypinguserid", catchers: ["client/ephemeral"] },
    "PUT", /\/v3\/rooms\/[^/]+\/typing\/(?<user>[^/]+)$/),
  actAsPathUser({ id: "security/presence-as-another-user", class: "security", description: "a user sets another user's presence", rule: "client-server-api/#put_matrixclientv3presenceuseridstatus", catchers: ["client/ephemeral"] },
    "PUT", /\/v3\/presence\/(?<user>[^/]+)\/status$/),
  {
    id: "security/non-member-may-send", class: "security", description: "a user who is not in a room is told their message was sent", rule: "client-server-api/#put_matrixclientv3roomsroomidsendeventtypetxnid", catchers: ["client/events"],
    applies: route("PUT", /\/v3\/rooms\/[^/]+\/send\//),
    async handle(context) {
      const response = await context.forward();
      return response.status === 403 ? json(200, { event_id: `$fake${Math.random().toString(36).slice(2)}` }) : response;
    },
  },
  ...(
    [
      ["security/redact-without-power", "a member without power is told their redaction of another's event succeeded", "client-server-api/#redactions", ["client/events"], "PUT", /\/v3\/rooms\/[^/]+\/redact\//, { event_id: "$fake-redaction" }],
      ["security/state-without-power", "a member below the required power level is told their state event was accepted", "client-server-api/#mroompower_levels", ["client/events"], "PUT", /\/v3\/rooms\/[^/]+\/state\//, { event_id: "$fake-state" }],
      ["security/join-invite-only-room", "joining an invite-only room without an invite succeeds", "client-server-api/#mroomjoin_rules", ["client/access", "client/membership"], "POST", /\/v3\/(join\/[^/]+|rooms\/[^/]+\/join)$/, { room_id: "!fake:example" }],
      ["security/kick-and-ban-without-power", "a member without power is told their kick, ban or unban succeeded", "client-server-api/#mroompower_levels", ["client/membership", "client/access"], "POST", /\/v3\/rooms\/[^/]+\/(kick|ban|unban)$/, {}],
      ["security/invite-by-non-member", "a user who is not in a room is told their invite was sent", "client-server-api/#post_matrixclientv3roomsroomidinvite", ["client/membership"], "POST", /\/v3\/rooms\/[^/]+\/invite$/, {}],
      ["security/wrong-current-password-accepted", "changing a password with a wrong current password succeeds", "client-server-api/#post_matrixclientv3accountpassword", ["client/account"], "POST", /\/v3\/account\/password$/, {}],
    ] as const
  ).map(([id, description, rule, catchers, method, pattern, answer]): Fault => ({
    id, class: "security", description, rule, catchers,
    applies: route(method, pattern),
    // What the server refuses (403, or 401 with a wrong password) is answered as a success.
    async handle(context) {
      const response = await context.forward();
      const body = response.status === 403 || response.status === 401 ? parse(response) : undefined;
      return body && body.errcode === "M_FORBIDDEN" ? json(200, answer) : response;
    },
  })),
  actAsPathUser({ id: "security/other-users-profile", class: "security", description: "one user changes another user's profile", rule: "client-server-api/#put_matrixclientv3profileuseridkeyname", catchers: ["client/profile"] },
    "PUT", /\/v3\/profile\/(?<user>[^/]+)\/[^/]+$/),
  actAsPathUser({ id: "security/whois-for-anyone", class: "security", description: "any user may look up another user's sessions with /admin/whois", rule: "client-server-api/#get_matrixclientv3adminwhoisuserid", catchers: ["client/account"] },
    "GET", /\/v3\/admin\/whois\/(?<user>[^/]+)$/),
  {
    id: "security/uia-skipped", class: "security", description: "deleting devices and changing passwords need no user-interactive auth", rule: "client-server-api/#user-interactive-authentication-api", catchers: ["client/devices", "client/account"],
    applies: route(undefined, /\/v3\/(devices\/[^/]+|delete_devices|account\/password)$/),
    async handle(context) {
      const response = await context.forward();
      const body = response.status === 401 ? parse(response) : undefined;
      if (!body || !("flows" in body)) return response;
      return json(200, {});
    },
  },
  {
    id: "security/cors-missing", class: "security", description: "responses carry no Access-Control-Allow-Origin, so browser clients cannot use the API", rule: "client-server-api/#web-browser-clients", catchers: ["client/web-clients"],
    applies: route(undefined, /./),
    async handle(context) {
      const response = await context.forward();
      const headers = { ...response.headers };
      for (const name of Object.keys(headers)) if (name.startsWith("access-control-")) delete headers[name];
      return { ...response, headers };
    },
  },
  {
    id: "security/media-without-safety-headers", class: "security", description: "media is served without Content-Disposition and Content-Security-Policy", rule: "client-server-api/#get_matrixclientv1mediadownloadservernamemediaid", catchers: ["client/media"],
    applies: route("GET", /\/media\/(download|thumbnail)\//),
    async handle(context) {
      const response = await context.forward();
      const { "content-disposition": _disposition, "content-security-policy": _csp, ...headers } = response.headers;
      return { ...response, headers };
    },
  },

  // Privacy: what a user may learn of rooms and people.
  leakPastRefusal({ id: "privacy/history-of-rooms-not-joined", class: "privacy", description: "a non-member reads a room's messages", rule: "client-server-api/#history-visibility", catchers: ["client/events"] },
    "GET", /\/v3\/rooms\/[^/]+\/messages$/),
  leakPastRefusal({ id: "privacy/state-of-rooms-not-joined", class: "privacy", description: "a non-member reads a private room's state", rule: "client-server-api/#get_matrixclientv3roomsroomidstate", catchers: ["client/access"] },
    "GET", /\/v3\/rooms\/[^/]+\/state$/),
  leakPastRefusal({ id: "privacy/aliases-of-rooms-not-joined", class: "privacy", description: "a non-member lists a private room's aliases", rule: "client-server-api/#get_matrixclientv3roomsroomidaliases", catchers: ["client/directory"] },
    "GET", /\/v3\/rooms\/[^/]+\/aliases$/),
  leakPastRefusal({ id: "privacy/events-of-rooms-not-joined", class: "privacy", description: "a non-member reads an event of a room by its ID or its context", rule: "client-server-api/#get_matrixclientv3roomsroomideventeventid", catchers: ["client/events"] },
    "GET", /\/v3\/rooms\/[^/]+\/(event|context)\/[^/]+$/),
  leakPastRefusal({ id: "privacy/members-of-rooms-not-joined", class: "privacy", description: "a non-member lists a private room's members", rule: "client-server-api/#get_matrixclientv3roomsroomidmembers", catchers: ["client/room-features", "client/access"] },
    "GET", /\/v3\/rooms\/[^/]+\/(members|joined_members)$/),
  {
    id: "privacy/private-receipts-public", class: "privacy", description: "a private read receipt is shared with the room", rule: "client-server-api/#private-read-receipts", catchers: ["client/ephemeral"],
    applies: route("POST", /\/v3\/rooms\/[^/]+\/receipt\/m\.read\.private\//),
    handle: (context) => context.forward({ ...context.request, path: context.request.path.replace("/m.read.private/", "/m.read/") }),
  },
  {
    id: "privacy/presence-of-strangers", class: "privacy", description: "the presence of a user who shares no room is served", rule: "client-server-api/#get_matrixclientv3presenceuseridstatus", catchers: ["client/ephemeral"],
    applies: route("GET", /\/v3\/presence\/[^/]+\/status$/),
    async handle(context) {
      const response = await context.forward();
      return response.status === 403 ? json(200, { presence: "online", last_active_ago: 1 }) : response;
    },
  },
  pretendSuccess({ id: "privacy/ignore-list-not-applied", class: "privacy", description: "ignoring a user is acknowledged but their events still arrive", rule: "client-server-api/#ignoring-users", catchers: ["client/ignored-users"] },
    "PUT", /\/v3\/user\/[^/]+\/account_data\/m\.ignored_user_list$/),
];

export function faultById(id: string): Fault | undefined {
  return FAULTS.find((fault) => fault.id === id);
}
