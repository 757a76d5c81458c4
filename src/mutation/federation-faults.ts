// The faults the mutation check injects into the homeserver's federation listener, between it and
// the in-process federation peer: each makes the homeserver break one rule of the server-server
// spec, and names the federation suite files that should notice. The proxy cannot sign as the
// homeserver, so a fault that changes signed data also leaves a signature that no longer covers it.
import { json, rewriteError, rewriteSuccess, route, type Fault, type Json } from "./faults.ts";
import type { ProxyResponse } from "./proxy.ts";

const base = (fault: Omit<Fault, "applies" | "handle" | "api">) => ({ ...fault, api: "federation" as const });

/** A base64 signature with its first character changed: still base64, no longer valid. */
function corrupt(signature: unknown): unknown {
  return typeof signature === "string" && signature.length > 0 ? `${signature[0] === "A" ? "B" : "A"}${signature.slice(1)}` : signature;
}

function breakSignatures(signed: Json, server?: string): void {
  const signatures = (signed.signatures ?? {}) as Record<string, Record<string, unknown>>;
  for (const [name, byKey] of Object.entries(signatures)) {
    if (server !== undefined && name !== server) continue;
    for (const keyId of Object.keys(byKey)) byKey[keyId] = corrupt(byKey[keyId]);
  }
}

function pdusOf(body: Json, field = "pdus"): Json[] {
  return Array.isArray(body[field]) ? (body[field] as Json[]) : [];
}

/** Answers a refusal of a route with success: the homeserver does not check what it should. */
function acceptRefused(fault: Omit<Fault, "applies" | "handle" | "api">, method: string | undefined, pattern: RegExp, statuses: readonly number[], answer: (path: string) => unknown): Fault {
  return {
    ...base(fault),
    applies: route(method, pattern),
    async handle(context): Promise<ProxyResponse> {
      const response = await context.forward();
      return statuses.includes(response.status) ? json(200, answer(context.request.path)) : response;
    },
  };
}

/** make_join's template for the user in the path, as a server that checks nothing would answer. */
function templateFor(path: string): unknown {
  const [, roomId, userId] = /\/make_join\/([^/]+)\/([^/?]+)/.exec(path)?.map(decodeURIComponent) ?? [];
  return { room_version: "10", event: { type: "m.room.member", room_id: roomId, sender: userId, state_key: userId, content: { membership: "join" }, origin_server_ts: Date.now(), depth: 1, prev_events: [], auth_events: [] } };
}

export const FEDERATION_FAULTS: readonly Fault[] = [
  // Joining: make_join's template and send_join's room state.
  rewriteSuccess(base({ id: "federation/make-join-wrong-room-version", class: "behaviour", description: "make_join names another room version than the room's", rule: "server-server-api/#get_matrixfederationv1make_joinroomiduserid", catchers: ["federation/join"] }),
    "GET", /\/v1\/make_join\//, (body) => ({ ...body, room_version: body.room_version === "10" ? "11" : "10" })),
  rewriteSuccess(base({ id: "federation/make-join-without-auth-events", class: "behaviour", description: "make_join's template has no auth_events", rule: "server-server-api/#get_matrixfederationv1make_joinroomiduserid", catchers: ["federation/join"] }),
    "GET", /\/v1\/make_join\//, (body) => ({ ...body, event: { ...(body.event as Json), auth_events: [] } })),
  rewriteError(base({ id: "federation/make-join-unknown-room-is-403", class: "errors", description: "make_join for an unknown room is 403 M_FORBIDDEN instead of 404 M_NOT_FOUND", rule: "server-server-api/#get_matrixfederationv1make_joinroomiduserid", catchers: ["federation/join"] }),
    "M_NOT_FOUND", () => json(403, { errcode: "M_FORBIDDEN", error: "forbidden" }), /\/v1\/make_join\//),
  acceptRefused(base({ id: "federation/make-join-for-users-of-other-servers", class: "security", description: "make_join hands a template for a user of another server than the requesting one", rule: "server-server-api/#get_matrixfederationv1make_joinroomiduserid", catchers: ["federation/join"] }),
    "GET", /\/v1\/make_join\//, [403], templateFor),
  rewriteSuccess(base({ id: "federation/send-join-without-state", class: "schema", description: "send_join answers without the room state", rule: "server-server-api/#put_matrixfederationv2send_joinroomideventid", catchers: ["federation/join"] }),
    "PUT", /\/v2\/send_join\//, ({ state: _state, ...rest }) => rest),
  rewriteSuccess(base({ id: "federation/send-join-empty-auth-chain", class: "behaviour", description: "send_join answers an empty auth_chain", rule: "server-server-api/#put_matrixfederationv2send_joinroomideventid", catchers: ["federation/join"] }),
    "PUT", /\/v2\/send_join\//, (body) => ({ ...body, auth_chain: [] })),
  rewriteSuccess(base({ id: "federation/send-join-state-without-create", class: "behaviour", description: "send_join's state leaves out the create event", rule: "server-server-api/#put_matrixfederationv2send_joinroomideventid", catchers: ["federation/join"] }),
    "PUT", /\/v2\/send_join\//, (body) => ({ ...body, state: pdusOf(body, "state").filter((pdu) => pdu.type !== "m.room.create") })),
  acceptRefused(base({ id: "federation/send-join-of-any-membership", class: "behaviour", description: "send_join accepts an event whose membership is not join", rule: "server-server-api/#put_matrixfederationv2send_joinroomideventid", catchers: ["federation/membership"] }),
    "PUT", /\/v2\/send_join\//, [400], () => ({ origin: "", auth_chain: [], state: [] })),

  // Events, state and history: what a server in the room reads.
  rewriteSuccess(base({ id: "federation/event-signature-broken", class: "security", description: "/event returns the event with a broken signature", rule: "server-server-api/#validating-hashes-and-signatures-on-received-events", catchers: ["federation/rooms"] }),
    "GET", /\/v1\/event\//, (body) => { for (const pdu of pdusOf(body)) breakSignatures(pdu); }),
  rewriteSuccess(base({ id: "federation/event-content-not-hashed", class: "security", description: "/event returns the event with content its hash does not cover", rule: "server-server-api/#validating-hashes-and-signatures-on-received-events", catchers: ["federation/rooms"] }),
    "GET", /\/v1\/event\//, (body) => { for (const pdu of pdusOf(body)) pdu.content = { ...(pdu.content as Json), "org.example.added": true }; }),
  rewriteSuccess(base({ id: "federation/event-wrong-origin", class: "schema", description: "/event's transaction names another origin than the homeserver", rule: "server-server-api/#get_matrixfederationv1eventeventid", catchers: ["federation/rooms"] }),
    "GET", /\/v1\/event\//, (body) => ({ ...body, origin: "elsewhere.example" })),
  rewriteSuccess(base({ id: "federation/state-without-power-levels", class: "behaviour", description: "/state leaves the power levels out of the room state", rule: "server-server-api/#get_matrixfederationv1stateroomid", catchers: ["federation/rooms"] }),
    "GET", /\/v1\/state\//, (body) => ({ ...body, pdus: pdusOf(body).filter((pdu) => pdu.type !== "m.room.power_levels") })),
  rewriteSuccess(base({ id: "federation/state-event-signature-broken", class: "security", description: "/state returns state events with broken signatures", rule: "server-server-api/#validating-hashes-and-signatures-on-received-events", catchers: ["federation/rooms"] }),
    "GET", /\/v1\/state\//, (body) => { for (const pdu of pdusOf(body)) breakSignatures(pdu); }),
  rewriteSuccess(base({ id: "federation/event-auth-without-create", class: "behaviour", description: "event_auth's chain leaves out the create event", rule: "server-server-api/#get_matrixfederationv1event_authroomideventid", catchers: ["federation/rooms"] }),
    "GET", /\/v1\/event_auth\//, (body) => ({ ...body, auth_chain: pdusOf(body, "auth_chain").filter((pdu) => pdu.type !== "m.room.create") })),
  rewriteSuccess(base({ id: "federation/backfill-beyond-limit", class: "behaviour", description: "backfill returns more events than limit (its oldest one again)", rule: "server-server-api/#get_matrixfederationv1backfillroomid", catchers: ["federation/rooms"] }),
    "GET", /\/v1\/backfill\//, (body) => ({ ...body, pdus: [...pdusOf(body), ...pdusOf(body).slice(-1)] })),
  rewriteSuccess(base({ id: "federation/backfill-missing-an-event", class: "behaviour", description: "backfill leaves one event of the history asked for out", rule: "server-server-api/#get_matrixfederationv1backfillroomid", catchers: ["federation/rooms"] }),
    "GET", /\/v1\/backfill\//, (body) => ({ ...body, pdus: pdusOf(body).slice(0, -1) })),
  {
    ...rewriteSuccess(base({ id: "federation/backfill-reversed", class: "behaviour", description: "backfill returns its events in the reverse order", rule: "server-server-api/#get_matrixfederationv1backfillroomid", catchers: ["federation/rooms"] }),
      "GET", /\/v1\/backfill\//, (body) => ({ ...body, pdus: pdusOf(body).reverse() })),
    unforbidden: "the spec gives backfill's pdus no order: a receiver orders them by their prev_events",
  },

  // Signing keys: the homeserver's own and those it keeps as a notary.
  rewriteSuccess(base({ id: "federation/server-keys-signature-broken", class: "security", description: "the homeserver's key response carries a broken self-signature", rule: "server-server-api/#get_matrixkeyv2server", catchers: ["federation/rooms", "signing/server-keys"] }),
    "GET", /^\/_matrix\/key\/v2\/server/, (body) => { breakSignatures(body); }),
  rewriteSuccess(base({ id: "federation/server-keys-expired", class: "security", description: "the homeserver's key response says its keys expired an hour ago (the proxy cannot re-sign, so the self-signature no longer covers it)", rule: "server-server-api/#get_matrixkeyv2server", catchers: ["federation/rooms", "signing/server-keys"] }),
    "GET", /^\/_matrix\/key\/v2\/server/, (body) => ({ ...body, valid_until_ts: Date.now() - 3600_000 })),
  rewriteSuccess(base({ id: "federation/server-keys-other-server-name", class: "security", description: "the homeserver's key response names another server", rule: "server-server-api/#get_matrixkeyv2server", catchers: ["federation/rooms", "signing/server-keys"] }),
    "GET", /^\/_matrix\/key\/v2\/server/, (body) => ({ ...body, server_name: "elsewhere.example" })),
  rewriteSuccess(base({ id: "federation/notary-without-its-signature", class: "security", description: "a notary key query returns another server's keys without the notary's signature", rule: "server-server-api/#post_matrixkeyv2query", catchers: ["federation/keys-devices"] }),
    "POST", /^\/_matrix\/key\/v2\/query$/, (body) => {
      const server_keys = pdusOf(body, "server_keys").map((entry) => {
        const signatures = { ...(entry.signatures as Json) };
        for (const name of Object.keys(signatures)) if (name !== entry.server_name) delete signatures[name];
        return { ...entry, signatures };
      });
      return { ...body, server_keys };
    }),
  rewriteSuccess(base({ id: "federation/notary-forgets-keys", class: "behaviour", description: "a notary key query returns no keys of a server it fetched them from", rule: "server-server-api/#post_matrixkeyv2query", catchers: ["federation/keys-devices"] }),
    "POST", /^\/_matrix\/key\/v2\/query$/, (body) => ({ ...body, server_keys: [] })),

  // Request authentication and error answers.
  acceptRefused(base({ id: "federation/x-matrix-not-enforced", class: "security", description: "requests without valid X-Matrix authorization are served as if signed", rule: "server-server-api/#request-authentication", catchers: ["federation/membership"] }),
    undefined, /^\/_matrix\/federation\//, [401], (path) => (path.includes("/send/") ? { pdus: {} } : {})),
  rewriteError(base({ id: "federation/not-found-is-500", class: "errors", description: "what does not exist is a 500 M_UNKNOWN instead of 404 M_NOT_FOUND", rule: "server-server-api/#get_matrixfederationv1querydirectory", catchers: ["federation/queries"] }),
    "M_NOT_FOUND", () => json(500, { errcode: "M_UNKNOWN", error: "internal error" }), /^\/_matrix\/federation\//),
  rewriteError(base({ id: "federation/not-in-room-is-404", class: "errors", description: "state_ids for a room the requesting server is not in is 404 M_NOT_FOUND instead of 403 M_FORBIDDEN", rule: "server-server-api/#get_matrixfederationv1state_idsroomid", catchers: ["federation/rooms"] }),
    "M_FORBIDDEN", () => json(404, { errcode: "M_NOT_FOUND", error: "not found" }), /\/v1\/state_ids\//),
  rewriteError(base({ id: "federation/unknown-openid-token-is-403", class: "errors", description: "an unknown OpenID token is 403 M_FORBIDDEN instead of 401 M_UNKNOWN_TOKEN", rule: "server-server-api/#get_matrixfederationv1openiduserinfo", catchers: ["federation/queries"] }),
    "M_UNKNOWN_TOKEN", () => json(403, { errcode: "M_FORBIDDEN", error: "forbidden" }), /\/v1\/openid\/userinfo$/),
  rewriteError(base({ id: "federation/incompatible-room-version-is-bad-json", class: "errors", description: "make_knock offering none of the room's versions is M_BAD_JSON instead of M_INCOMPATIBLE_ROOM_VERSION", rule: "server-server-api/#get_matrixfederationv1make_knockroomiduserid", catchers: ["federation/membership"] }),
    "M_INCOMPATIBLE_ROOM_VERSION", (status) => json(status, { errcode: "M_BAD_JSON", error: "bad" }), /\/v1\/make_knock\//),

  // Discovery and queries.
  rewriteSuccess(base({ id: "federation/version-without-server", class: "schema", description: "/version answers without server", rule: "server-server-api/#get_matrixfederationv1version", catchers: ["federation/queries"] }),
    "GET", /\/v1\/version$/, () => ({})),
  rewriteSuccess(base({ id: "federation/version-number", class: "schema", description: "/version gives server.version as a number", rule: "server-server-api/#get_matrixfederationv1version", catchers: ["federation/queries"] }),
    "GET", /\/v1\/version$/, (body) => ({ server: { ...(body.server as Json), version: 1 } })),
  rewriteSuccess(base({ id: "federation/profile-field-ignored", class: "privacy", description: "a profile query for one field answers other fields of the profile too", rule: "server-server-api/#get_matrixfederationv1queryprofile", catchers: ["federation/queries"] }),
    "GET", /\/v1\/query\/profile$/, (body, context) => (/[?&]field=/.test(context.request.path) ? { ...body, avatar_url: "mxc://elsewhere.example/leaked" } : body)),
  acceptRefused(base({ id: "federation/profile-of-nobody", class: "errors", description: "a profile query for a user who does not exist answers an empty profile", rule: "server-server-api/#get_matrixfederationv1queryprofile", catchers: ["federation/queries"] }),
    "GET", /\/v1\/query\/profile$/, [404], () => ({})),
  rewriteSuccess(base({ id: "federation/directory-query-without-servers", class: "behaviour", description: "a directory query names no server in the room", rule: "server-server-api/#get_matrixfederationv1querydirectory", catchers: ["federation/queries"] }),
    "GET", /\/v1\/query\/directory$/, (body) => ({ ...body, servers: [] })),
  rewriteSuccess(base({ id: "federation/public-rooms-ignores-limit", class: "behaviour", description: "the room directory answers more rooms than limit (its first one again)", rule: "server-server-api/#get_matrixfederationv1publicrooms", catchers: ["federation/queries"] }),
    undefined, /\/v1\/publicRooms$/, (body) => ({ ...body, chunk: [...pdusOf(body, "chunk"), ...pdusOf(body, "chunk").slice(0, 1)] })),
  rewriteSuccess(base({ id: "federation/public-rooms-without-next_batch", class: "behaviour", description: "the room directory gives no next_batch when more rooms follow", rule: "server-server-api/#get_matrixfederationv1publicrooms", catchers: ["federation/queries"] }),
    undefined, /\/v1\/publicRooms$/, ({ next_batch: _next, ...rest }) => rest),

  // Transactions.
  {
    ...base({ id: "federation/transactions-dropped", class: "behaviour", description: "a transaction is acknowledged but its events are never processed", rule: "server-server-api/#put_matrixfederationv1sendtxnid", catchers: ["federation/join"] }),
    applies: route("PUT", /\/v1\/send\//),
    // The answer a server gives for a transaction it took, with no result per PDU (none processed).
    handle: async () => json(200, { pdus: {} }),
  },
];
