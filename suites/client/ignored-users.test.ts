import { endpoints } from "../../src/client/endpoints.ts";
import { accountDataHas, type SyncPredicate } from "../../src/client/sync.ts";
import { covers, describe, expect, test } from "../fixtures.ts";

// client-server-api/#ignoring-users: "Once ignored, the client will no longer receive events
// sent by that user, with the exception of state events."

describe("ignoring users", () => {
  test(
    "after alice ignores bob, bob's new messages never reach her sync while charlie's do",
    covers([endpoints.setAccountData, endpoints.sync], "client-server-api/#ignoring-users"),
    async ({ alice, bob, charlie, publicRoom }) => {
      await bob.mustJoinRoom(publicRoom);
      await charlie.mustJoinRoom(publicRoom);
      alice.must(await alice.call(endpoints.setAccountData, { path: { userId: alice.userId, type: "m.ignored_user_list" }, body: { ignored_users: { [bob.userId]: {} } } }));
      const { nextBatch } = await alice.syncUntil(accountDataHas("m.ignored_user_list", (content) => bob.userId in ((content.ignored_users as object | undefined) ?? {})));
      await bob.mustSendMessage(publicRoom, "from an ignored user");
      await charlie.mustSendMessage(publicRoom, "after the ignored message");
      // Every timeline event alice receives until charlie's message, which was sent after bob's.
      const received: { sender: string; body: unknown }[] = [];
      const untilCharlie: SyncPredicate = {
        description: "charlie's message after bob's",
        holds: (response) => {
          const events = response.rooms?.join?.[publicRoom]?.timeline?.events ?? [];
          received.push(...events.map((event) => ({ sender: event.sender, body: event.content?.body })));
          return events.some((event) => event.content?.body === "after the ignored message");
        },
      };
      await alice.syncUntil(untilCharlie, { since: nextBatch });
      expect(received.filter((event) => event.sender === bob.userId)).toEqual([]);
    },
  );
});
