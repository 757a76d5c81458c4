import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { Environment, startEnvironment } from "../../../src/env/environment.ts";
import { provisionUser } from "../../../src/env/homeserver.ts";
import { FederationPeer } from "../../../src/federation/peer.ts";
import type { MatrixClient } from "../../../src/client/client.ts";
import { isMessage, timelineHas } from "../../../src/client/sync.ts";
import { clientFor } from "../env/matrix.ts";

describe("the in-process federation peer against a real Synapse", () => {
  let env: Environment;
  let peer: FederationPeer;
  let alice: MatrixClient;

  beforeAll(async () => {
    env = await startEnvironment({ database: "sqlite" });
    const hs = env.homeserver("hs1");
    peer = await new FederationPeer({
      ca: env.state.ca,
      directory: (name) => env.homeservers.find((h) => h.serverName === name)?.federationUrl,
    }).start();
    alice = clientFor(hs.baseUrl, await provisionUser(hs, { localpart: `alice-${Date.now()}`, password: "pw-alice-123" }));
  });
  afterAll(async () => {
    await peer?.stop();
    await env?.stop();
  });

  test("a Synapse user joins a room hosted by the peer and both sides see each other's messages", async () => {
    const room = peer.createRoom({ version: "11" });
    // make_join and send_join go Synapse -> peer, authenticated with X-Matrix and Synapse's key.
    expect(await alice.mustJoinVia(room.roomId, peer.serverName)).toBe(room.roomId);
    expect(room.joinedServers()).toContain(env.homeserver().serverName);

    await peer.sendEvent(room, { type: "m.room.message", sender: peer.userId("creator"), content: { msgtype: "m.text", body: "from the peer" } });
    await alice.syncUntil(timelineHas(room.roomId, isMessage("from the peer")), { timeoutMs: 30_000 });

    const eventId = await alice.mustSendMessage(room.roomId, "from synapse");
    const received = await peer.waitForPdu((p) => p.eventId === eventId);
    expect(received.rejected).toBeUndefined();
    expect(received.pdu.content).toMatchObject({ body: "from synapse" });

    const authFailures = peer.requests.filter((r) => r.authProblem);
    expect(authFailures).toEqual([]);
    expect(peer.unexpectedRequests().map((r) => `${r.method} ${r.path}`)).toEqual([]);
  });

  test("the peer joins a room on Synapse and receives its messages over /send", async () => {
    const roomId = await alice.mustCreateRoom({ preset: "public_chat", room_version: "12" });
    const room = await peer.joinRemoteRoom(env.homeserver().serverName, roomId, "visitor");
    expect(room.version.id).toBe("12");
    const eventId = await alice.mustSendMessage(roomId, "hello visitor");
    const received = await peer.waitForPdu((p) => p.eventId === eventId);
    expect(received.rejected).toBeUndefined();
    expect(received.origin).toBe(env.homeserver().serverName);
  });
});
