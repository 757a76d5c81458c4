import type { MatrixClient } from "../../src/client/client.ts";
import { endpoints } from "../../src/client/endpoints.ts";
import { authRuleNumbers, authRulesSection } from "../../src/federation/auth-rule-numbers.ts";
import { createCasesFor } from "../../src/federation/create-cases.ts";
import { federationEndpoints as fed } from "../../src/federation/endpoints.ts";
import { ROOM_VERSIONS } from "../../src/protocol/index.ts";
import { covers, describe, expect, test } from "./peer-fixture.ts";

// Joining a room whose create event breaks the authorisation rules (rooms/vN.md "Authorisation
// rules", rule 1 and the m.federate rule): the peer hosts the room and accepts any join, and the
// homeserver's user asks to join it through the peer. The homeserver must refuse the room, in
// every room version (a join takes under a second).

/** alice is not in the room: not joined in /sync, and the client API does not serve its create event. */
async function expectNotJoined(alice: MatrixClient, roomId: string, joinAnswer: string): Promise<void> {
  const sync = await alice.mustSync({ timeout: 0 });
  expect(Object.keys(sync.rooms?.join ?? {}), `rooms joined in /sync after the join (${joinAnswer})`).not.toContain(roomId);
  const create = await alice.call(endpoints.getStateEvent, { path: { roomId, eventType: "m.room.create", stateKey: "" } });
  expect(create.status, `the client's /state/m.room.create (${joinAnswer}): ${JSON.stringify(create.body).slice(0, 300)}`).not.toBe(200);
}

for (const rules of ROOM_VERSIONS.values()) {
  const version = rules.id;
  describe(`joining a room whose create event breaks the authorisation rules, room version ${version}`, () => {
    test(
      `v${version} control: a room with a valid create event is joined through the peer, and /sync and /state/m.room.create show it`,
      covers([fed.makeJoin, fed.sendJoin, endpoints.join, endpoints.sync, endpoints.getStateEvent], authRulesSection(rules)),
      async ({ alice, peer }) => {
        const room = peer.createRoom({ version });
        expect(await alice.mustJoinVia(room.roomId, peer.serverName)).toBe(room.roomId);
        const sync = await alice.mustSync({ timeout: 0 });
        expect(Object.keys(sync.rooms?.join ?? {})).toContain(room.roomId);
        const create = alice.must(await alice.call(endpoints.getStateEvent, { path: { roomId: room.roomId, eventType: "m.room.create", stateKey: "" } }));
        expect(create["room_version"]).toBe(version);
      },
    );
    for (const { createCase, number } of createCasesFor(rules, authRuleNumbers(rules))) {
      test(
        `v${version} rule ${number} (${createCase.id}): ${createCase.violates}: the join fails or leaves the user unjoined in /sync, and /state/m.room.create is not 200`,
        covers([fed.makeJoin, fed.sendJoin, endpoints.join, endpoints.sync, endpoints.getStateEvent], authRulesSection(rules)),
        async ({ alice, peer }) => {
          const room = peer.createRoom({ version, breakCreate: createCase.breakCreate });
          const join = await alice.call(endpoints.join, { path: { roomIdOrAlias: room.roomId }, query: { via: peer.serverName }, body: {} });
          await expectNotJoined(alice, room.roomId, `join answered ${join.status}: ${JSON.stringify(join.body).slice(0, 300)}`);
        },
      );
    }
  });
}
