import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { Environment, startEnvironment } from "../../../src/env/environment.ts";
import { provisionUser } from "../../../src/env/homeserver.ts";
import { FederationPeer } from "../../../src/federation/peer.ts";
import { StateResReplay } from "../../../src/federation/state-res-replay.ts";
import { eventWithId, timelineHas } from "../../../src/client/sync.ts";
import { parseStateResFixture } from "../../../src/protocol/state-res/fixture.ts";
import { clientFor } from "../env/matrix.ts";

// The peer's replay tools against a real Synapse: a federation invite, events placed with explicit
// edges, and a fork whose parent's state the peer claims, fetched by Synapse when it fills a gap.
describe("federation peer replaying a forked DAG to Synapse", () => {
  let env: Environment;
  let peer: FederationPeer;

  beforeAll(async () => {
    env = await startEnvironment({ database: "sqlite" });
    peer = await new FederationPeer({
      ca: env.state.ca,
      directory: (name) => env.homeservers.find((h) => h.serverName === name)?.federationUrl,
    }).start();
  });
  afterAll(async () => {
    await peer?.stop();
    await env?.stop();
  });

  test("Synapse accepts the invite, pulls the claimed fork and fetches the state at its withheld parent", async () => {
    const hs = env.homeserver("hs1");
    const resident = clientFor(hs.baseUrl, await provisionUser(hs, { localpart: `resident-${Date.now()}`, password: "pw-resident-123" }));
    const file = fileURLToPath(new URL("../../../fixtures/state-res/msc4297-problem-a-v12.json", import.meta.url));
    const fixture = parseStateResFixture(JSON.parse(readFileSync(file, "utf8")), file);
    const replay = StateResReplay.start(fixture, { serverName: peer.serverName, sign: (event, version) => peer.sign(event, version) });
    peer.rooms.set(replay.room.roomId, replay.room);

    const invite = await peer.inviteRemoteUser(replay.room, { sender: replay.creator, userId: resident.userId!, originServerTs: replay.inviteTs });
    // The invitee's server countersigns the invite (server-server API, "Inviting to a room").
    expect(Object.keys(invite.pdu["signatures"] as object)).toContain(hs.serverName);
    await resident.mustJoinVia(replay.room.roomId, peer.serverName);
    const plan = replay.build(replay.room.stateEvent("m.room.member", resident.userId!)!.eventId);
    expect(plan.claimedForks).toHaveLength(1);

    for (const stored of [...plan.natural, plan.target]) {
      const results = await peer.sendTransaction(hs.serverName, [stored.pdu]);
      expect(Object.values(results).filter((r) => r.error)).toEqual([]);
    }
    await resident.syncUntil(timelineHas(replay.room.roomId, eventWithId(plan.target.eventId)), { timeoutMs: 30_000 });
    const paths = peer.requests.filter((r) => r.status === 200).map((r) => r.path);
    expect(paths.some((p) => p.includes("/get_missing_events/"))).toBe(true);
    expect(paths.some((p) => /\/(state_ids|state)\//.test(p))).toBe(true);
    expect(peer.requests.filter((r) => r.authProblem)).toEqual([]);
  });
});
