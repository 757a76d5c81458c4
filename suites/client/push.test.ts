import { newTxnId } from "../../src/client/client.ts";
import { expect } from "vitest";
import { endpoints } from "../../src/client/endpoints.ts";
import { expectMatrixError } from "../../src/client/matchers.ts";
import { readUntil } from "../../src/client/poll.ts";
import { covers, describe, test } from "../fixtures.ts";

describe("push rules", () => {
  test("the default rules include the master rule, disabled", covers([endpoints.pushRules, endpoints.globalPushRules, endpoints.getPushRule], "client-server-api/#predefined-rules"), async ({ alice }) => {
    const { global } = alice.must(await alice.call(endpoints.pushRules));
    expect(global.override?.find((r) => r.rule_id === ".m.rule.master")).toMatchObject({ default: true, enabled: false });
    expect(alice.must(await alice.call(endpoints.globalPushRules)).underride?.some((r) => r.rule_id === ".m.rule.message")).toBe(true);
    expect(alice.must(await alice.call(endpoints.getPushRule, { path: { kind: "override", ruleId: ".m.rule.master" } })).rule_id).toBe(".m.rule.master");
  });

  test("a user rule is created before another, read, and deleted", covers([endpoints.setPushRule, endpoints.getPushRule, endpoints.deletePushRule, endpoints.globalPushRules], "client-server-api/#put_matrixclientv3pushrulesglobalkindruleid"), async ({ alice }) => {
    const rule = { pattern: "gauntlet*", actions: ["notify"] };
    alice.must(await alice.call(endpoints.setPushRule, { path: { kind: "content", ruleId: "second" }, body: rule }));
    alice.must(await alice.call(endpoints.setPushRule, { path: { kind: "content", ruleId: "first" }, query: { before: "second" }, body: rule }));
    const content = alice.must(await alice.call(endpoints.globalPushRules)).content ?? [];
    const ids = content.map((r) => r.rule_id);
    // User-defined rules come before server defaults, in the order `before` gives them.
    expect(ids.indexOf("first")).toBeLessThan(ids.indexOf("second"));
    expect(alice.must(await alice.call(endpoints.getPushRule, { path: { kind: "content", ruleId: "first" } }))).toMatchObject({ pattern: "gauntlet*", default: false, enabled: true });
    alice.must(await alice.call(endpoints.deletePushRule, { path: { kind: "content", ruleId: "first" } }));
    expectMatrixError(await alice.call(endpoints.getPushRule, { path: { kind: "content", ruleId: "first" } }), 404, "M_NOT_FOUND");
  });

  test("a rule is disabled and its actions replaced", covers([endpoints.setPushRuleEnabled, endpoints.getPushRuleEnabled, endpoints.setPushRuleActions, endpoints.getPushRuleActions], "client-server-api/#push-rules-api"), async ({ alice }) => {
    const path = { kind: "override", ruleId: ".m.rule.suppress_notices" };
    alice.must(await alice.call(endpoints.setPushRuleEnabled, { path, body: { enabled: false } }));
    expect(alice.must(await alice.call(endpoints.getPushRuleEnabled, { path })).enabled).toBe(false);
    alice.must(await alice.call(endpoints.setPushRuleActions, { path, body: { actions: ["notify"] } }));
    expect(alice.must(await alice.call(endpoints.getPushRuleActions, { path })).actions).toEqual(["notify"]);
  });

  test("an unknown rule is M_NOT_FOUND for every sub-resource", covers([endpoints.getPushRule, endpoints.deletePushRule, endpoints.getPushRuleEnabled, endpoints.setPushRuleEnabled, endpoints.getPushRuleActions, endpoints.setPushRuleActions], "client-server-api/#push-rules-api"), async ({ alice }) => {
    const path = { kind: "override", ruleId: "gauntlet.no.such.rule" };
    expectMatrixError(await alice.call(endpoints.getPushRule, { path }), 404, "M_NOT_FOUND");
    expectMatrixError(await alice.call(endpoints.deletePushRule, { path }), 404, "M_NOT_FOUND");
    expectMatrixError(await alice.call(endpoints.getPushRuleEnabled, { path }), 404, "M_NOT_FOUND");
    expectMatrixError(await alice.call(endpoints.setPushRuleEnabled, { path, body: { enabled: true } }), 404, "M_NOT_FOUND");
    expectMatrixError(await alice.call(endpoints.getPushRuleActions, { path }), 404, "M_NOT_FOUND");
    expectMatrixError(await alice.call(endpoints.setPushRuleActions, { path, body: { actions: [] } }), 404, "M_NOT_FOUND");
  });

  test("a rule placed before an unknown rule is 400", covers([endpoints.setPushRule], "client-server-api/#put_matrixclientv3pushrulesglobalkindruleid"), async ({ alice }) => {
    const res = await alice.call(endpoints.setPushRule, { path: { kind: "content", ruleId: "orphan" }, query: { before: "gauntlet.missing" }, body: { pattern: "x", actions: [] } });
    // "404: The push rule does not exist (when updating a push rule)" is about the rule in the path; a rule
    // placed relative to one that does not exist is "400: There was a problem configuring this push rule".
    expectMatrixError(res, 400);
  });

  test("a content rule without a pattern is 400", covers([endpoints.setPushRule], "client-server-api/#put_matrixclientv3pushrulesglobalkindruleid"), async ({ alice }) => {
    // A content rule needs a pattern; the endpoint gives no errcode for its absence.
    expectMatrixError(await alice.call(endpoints.setPushRule, { path: { kind: "content", ruleId: "nopattern" }, body: { actions: ["notify"] } }), 400);
  });

  test("the whole rule set without a token is 401 M_MISSING_TOKEN", covers([endpoints.pushRules, endpoints.globalPushRules], "client-server-api/#get_matrixclientv3pushrules"), async ({ anonymous }) => {
    expectMatrixError(await anonymous.call(endpoints.pushRules, { auth: false }), 401, "M_MISSING_TOKEN");
    expectMatrixError(await anonymous.call(endpoints.globalPushRules, { auth: false }), 401, "M_MISSING_TOKEN");
  });
});

describe("pushers", () => {
  const pusher = (pushkey: string) => ({
    pushkey,
    kind: "http",
    app_id: "org.gauntlet.app",
    app_display_name: "Gauntlet",
    device_display_name: "suite",
    lang: "en",
    // Loopback discard port: the pusher is stored, never reached by these tests.
    data: { url: "http://127.0.0.1:9/_matrix/push/v1/notify", format: "event_id_only" },
  });

  test("a pusher is added, listed and removed with kind null", covers([endpoints.setPusher, endpoints.pushers], "client-server-api/#post_matrixclientv3pushersset"), async ({ alice }) => {
    alice.must(await alice.call(endpoints.setPusher, { body: pusher("key-1") }));
    expect(alice.must(await alice.call(endpoints.pushers)).pushers).toEqual([expect.objectContaining({ pushkey: "key-1", app_id: "org.gauntlet.app", data: expect.objectContaining({ format: "event_id_only" }) })]);
    alice.must(await alice.call(endpoints.setPusher, { body: { ...pusher("key-1"), kind: null } }));
    expect(alice.must(await alice.call(endpoints.pushers)).pushers ?? []).toEqual([]);
  });

  test("an http pusher without a url is 400", covers([endpoints.setPusher], "client-server-api/#post_matrixclientv3pushersset"), async ({ alice }) => {
    // data.url is required for the http kind; the endpoint gives no errcode for its absence.
    const res = await alice.call(endpoints.setPusher, { body: { ...pusher("key-2"), data: {} } });
    expectMatrixError(res, 400);
  });

  test("listing pushers without a token is 401 M_MISSING_TOKEN", covers([endpoints.pushers], "client-server-api/#get_matrixclientv3pushers"), async ({ anonymous }) => {
    expectMatrixError(await anonymous.call(endpoints.pushers, { auth: false }), 401, "M_MISSING_TOKEN");
  });
});

describe("notifications", () => {
  test("a mention appears in the mentioned user's notifications", covers([endpoints.notifications], "client-server-api/#get_matrixclientv3notifications"), async ({ alice, bob, publicRoom }) => {
    await bob.mustJoinRoom(publicRoom);
    const eventId = alice.must(await alice.call(endpoints.sendEvent, { path: { roomId: publicRoom, eventType: "m.room.message", txnId: newTxnId() }, body: { msgtype: "m.text", body: "ping bob", "m.mentions": { user_ids: [bob.userId] } } })).event_id;
    // Notifications are computed when the event is persisted; the list is read, not synced.
    const list = await readUntil(`a notification for ${eventId}`, async () => bob.must(await bob.call(endpoints.notifications, { query: { limit: 10 } })), (l) => l.notifications.some((n) => n.event.event_id === eventId));
    expect(list.notifications.find((n) => n.event.event_id === eventId)).toMatchObject({ room_id: publicRoom, read: false });
  });

  test("notifications without a token are 401 M_MISSING_TOKEN", covers([endpoints.notifications], "client-server-api/#get_matrixclientv3notifications"), async ({ anonymous }) => {
    expectMatrixError(await anonymous.call(endpoints.notifications, { auth: false }), 401, "M_MISSING_TOKEN");
  });
});
