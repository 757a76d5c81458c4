import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { createCertificateAuthority } from "../../../src/env/tls.ts";
import { FederationPeer } from "../../../src/federation/peer.ts";
import type { PeerRoom } from "../../../src/federation/room.ts";
import { signEvent } from "../../../src/protocol/index.ts";

// Two peers on loopback: `host` holds a room and audits what `member`, standing in for a
// homeserver, sends it: a join, good events, and events that break one rule each.
describe("the audit of what another server sent the peer", () => {
  let host: FederationPeer;
  let member: FederationPeer;
  let hosted: PeerRoom;
  let joined: PeerRoom;
  const peers = new Map<string, string>();

  beforeAll(async () => {
    const ca = await createCertificateAuthority("PDU audit test CA");
    const directory = (name: string) => peers.get(name);
    host = await new FederationPeer({ ca, directory }).start();
    member = await new FederationPeer({ ca, directory }).start();
    for (const peer of [host, member]) peers.set(peer.serverName, `https://127.0.0.1:${peer.serverName.split(":")[1]}`);
    hosted = host.createRoom({ version: "11" });
    joined = await member.joinRemoteRoom(host.serverName, hosted.roomId, "visitor");
  });

  afterAll(async () => {
    await member?.stop();
    await host?.stop();
  });

  test("a join and events built on the state before them break no rule", async () => {
    await member.sendEvent(joined, { type: "m.room.message", sender: member.userId("visitor"), content: { msgtype: "m.text", body: "fine" } });
    expect(await host.sentPduViolations()).toEqual([]);
  });

  test("a forged signature, a changed content and a wrong auth_events are each reported with the event and the rule", async () => {
    const visitor = member.userId("visitor");
    const proto = (body: string) => joined.prototype({ type: "m.room.message", sender: visitor, content: { msgtype: "m.text", body } });
    const forged = signEvent(proto("forged"), joined.version, member.serverName, member.keyId, randomBytes(32));
    const changed = { ...member.sign(proto("before"), joined.version), content: { msgtype: "m.text", body: "after" } };
    const withoutPowerLevels = proto("no power levels");
    const powerLevels = joined.stateEvent("m.room.power_levels")!.eventId;
    withoutPowerLevels["auth_events"] = (withoutPowerLevels["auth_events"] as string[]).filter((id) => id !== powerLevels);
    const badAuth = member.sign(withoutPowerLevels, joined.version);
    await member.sendTransaction(host.serverName, [forged, changed, badAuth] as never);
    const violations = await host.sentPduViolations();
    expect(violations.map((v) => [v.type, v.rule]).sort()).toEqual([
      ["m.room.message", "auth_events"],
      ["m.room.message", "content hash"],
      ["m.room.message", "signature"],
    ]);
    for (const v of violations) expect(v.where).toMatch(new RegExp(`^PUT /_matrix/federation/v1/send/\\S+ from ${member.serverName}$`));
  });
});
