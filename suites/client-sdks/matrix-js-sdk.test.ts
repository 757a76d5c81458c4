import { EventType, MsgType, ReceiptType, RoomEvent, RoomMemberEvent, type MatrixClient as SdkClient, type MatrixEvent } from "matrix-js-sdk";
import { expect } from "vitest";
import { covers, describe, test } from "../fixtures.ts";
import { loggedInSdkClient, waitFor } from "./sdk-client.ts";

// matrix-js-sdk, the library most Matrix clients are built on, against the homeserver under test:
// what a real client does (login, sync loop, messages, typing, receipts) must work end to end.

const sdkTest = test.extend<{ pair: { a: SdkClient; b: SdkClient; roomId: string } }>({
  pair: async ({ hs }, use) => {
    const [userA, userB] = await Promise.all([hs.newUser("sdk-a"), hs.newUser("sdk-b")]);
    userA.client.close();
    userB.client.close();
    const a = await loggedInSdkClient({ baseUrl: hs.baseUrl, user: userA.localpart, password: userA.password });
    const b = await loggedInSdkClient({ baseUrl: hs.baseUrl, user: userB.localpart, password: userB.password });
    try {
      const { room_id: roomId } = await a.createRoom({ preset: "public_chat" as never, name: "js-sdk interop" });
      const joined = waitFor<void>("b's own join to reach its sync", (done) => {
        const onMembership = (_event: MatrixEvent, member: { userId: string; roomId: string; membership?: string }) => {
          if (member.roomId === roomId && member.userId === b.getUserId() && member.membership === "join") done();
        };
        b.on(RoomMemberEvent.Membership, onMembership as never);
        return () => b.off(RoomMemberEvent.Membership, onMembership as never);
      });
      await b.joinRoom(roomId);
      await joined;
      await use({ a, b, roomId });
    } finally {
      a.stopClient();
      b.stopClient();
    }
  },
});

function timelineMessage(client: SdkClient, roomId: string, body: string): Promise<MatrixEvent> {
  return waitFor(`the message ${JSON.stringify(body)} in ${client.getUserId()}'s timeline`, (done) => {
    const onTimeline = (event: MatrixEvent) => {
      if (event.getRoomId() === roomId && event.getType() === EventType.RoomMessage && event.getContent().body === body) done(event);
    };
    client.on(RoomEvent.Timeline, onTimeline);
    return () => client.off(RoomEvent.Timeline, onTimeline);
  });
}

describe("matrix-js-sdk interop", () => {
  sdkTest(
    "two SDK clients exchange messages through their sync loops",
    covers(["POST /_matrix/client/v3/login", "GET /_matrix/client/v3/sync", "POST /_matrix/client/v3/createRoom", "POST /_matrix/client/v3/join/{roomIdOrAlias}", "PUT /_matrix/client/v3/rooms/{roomId}/send/{eventType}/{txnId}"], "client-server-api/#syncing"),
    async ({ pair: { a, b, roomId } }) => {
      const atB = timelineMessage(b, roomId, "hello from a");
      await a.sendMessage(roomId, { msgtype: MsgType.Text, body: "hello from a" });
      expect((await atB).getSender()).toBe(a.getUserId());
      const atA = timelineMessage(a, roomId, "hello from b");
      await b.sendMessage(roomId, { msgtype: MsgType.Text, body: "hello from b" });
      expect((await atA).getSender()).toBe(b.getUserId());
    },
  );

  sdkTest(
    "each SDK client sees the other's typing notification start and stop",
    covers(["PUT /_matrix/client/v3/rooms/{roomId}/typing/{userId}", "GET /_matrix/client/v3/sync"], "client-server-api/#typing-notifications"),
    async ({ pair: { a, b, roomId } }) => {
      const typingAt = (client: SdkClient, who: string, typing: boolean) =>
        waitFor<void>(`${client.getUserId()} to see ${who} ${typing ? "start" : "stop"} typing`, (done) => {
          const onTyping = (_event: MatrixEvent, member: { userId: string; roomId: string; typing: boolean }) => {
            if (member.roomId === roomId && member.userId === who && member.typing === typing) done();
          };
          client.on(RoomMemberEvent.Typing, onTyping as never);
          return () => client.off(RoomMemberEvent.Typing, onTyping as never);
        });
      const bSeesA = typingAt(b, a.getUserId() ?? "", true);
      await a.sendTyping(roomId, true, 20_000);
      await bSeesA;
      const bSeesAStop = typingAt(b, a.getUserId() ?? "", false);
      await a.sendTyping(roomId, false, 0);
      await bSeesAStop;
      const aSeesB = typingAt(a, b.getUserId() ?? "", true);
      await b.sendTyping(roomId, true, 20_000);
      await aSeesB;
    },
  );

  sdkTest(
    "each SDK client sees the other's read receipt",
    covers(["POST /_matrix/client/v3/rooms/{roomId}/receipt/{receiptType}/{eventId}", "GET /_matrix/client/v3/sync"], "client-server-api/#receipts"),
    async ({ pair: { a, b, roomId } }) => {
      // The receipt as the server delivered it (ignoreSynthesized): not inferred from the timeline, which
      // may not hold the event yet when the receipt arrives in the same sync.
      const receiptAt = (client: SdkClient, who: string, eventId: string) =>
        waitFor<void>(`${client.getUserId()} to see ${who}'s receipt at ${eventId}`, (done) => {
          const check = () => {
            if (client.getRoom(roomId)?.getReadReceiptForUserId(who, true, ReceiptType.Read)?.eventId === eventId) done();
          };
          const onReceipt = (_event: MatrixEvent, room: { roomId: string }) => {
            if (room.roomId === roomId) check();
          };
          client.on(RoomEvent.Receipt, onReceipt as never);
          return () => client.off(RoomEvent.Receipt, onReceipt as never);
        });
      const fromA = timelineMessage(b, roomId, "read this, b");
      await a.sendMessage(roomId, { msgtype: MsgType.Text, body: "read this, b" });
      const eventAtB = await fromA;
      const aSeesB = receiptAt(a, b.getUserId() ?? "", eventAtB.getId() ?? "");
      await b.sendReadReceipt(eventAtB, ReceiptType.Read);
      await aSeesB;

      const fromB = timelineMessage(a, roomId, "read this, a");
      await b.sendMessage(roomId, { msgtype: MsgType.Text, body: "read this, a" });
      const eventAtA = await fromB;
      const bSeesA = receiptAt(b, a.getUserId() ?? "", eventAtA.getId() ?? "");
      await a.sendReadReceipt(eventAtA, ReceiptType.Read);
      await bSeesA;
    },
  );
});
