import { expect, test } from "vitest";
import { ExchangeLog, type Exchange } from "../../../src/client/exchange.ts";
import { expectMatrixError, expectStatus } from "../../../src/client/matchers.ts";
import { assertedCases, computeCoverage, parseInventory } from "../../../src/coverage/coverage.ts";

const INVENTORY = parseInventory(
  ["api\tmethod\tpath\tgroup\tdeprecated", "client-server\tGET\t/_matrix/client/v3/profile/{userId}\tprofile\tno", "client-server\tPUT\t/_matrix/client/v3/profile/{userId}/{keyName}\tprofile\tno"].join("\n"),
);

function answered(log: ExchangeLog, endpoint: string, status: number, body: unknown) {
  const exchange: Exchange = { method: endpoint.split(" ")[0]!, path: "/", endpoint, startedAt: 0, durationMs: 1, status, responseBody: body };
  log.add(exchange);
  return { status, endpoint, exchange };
}

test("the log keeps the answers its test's matchers asserted, once each, however many requests it saw", () => {
  const log = new ExchangeLog(2);
  const refusal = answered(log, "PUT /_matrix/client/v3/profile/{userId}/{keyName}", 403, { errcode: "M_FORBIDDEN", error: "no" });
  expectMatrixError(refusal, 403, "M_FORBIDDEN");
  // Requests nobody asserted anything of, pushing the refusal out of the failure-message window.
  answered(log, "GET /_matrix/client/v3/profile/{userId}", 200, {});
  const read = answered(log, "GET /_matrix/client/v3/profile/{userId}", 200, { displayname: "x" });
  expectStatus(read, 200);
  expectStatus(read, 200);
  expect(log.assertions()).toEqual([
    { endpoint: "PUT /_matrix/client/v3/profile/{userId}/{keyName}", status: 403, errcode: "M_FORBIDDEN" },
    { endpoint: "GET /_matrix/client/v3/profile/{userId}", status: 200 },
  ]);
});

test("a failed assertion is not recorded", () => {
  const log = new ExchangeLog();
  const refusal = answered(log, "PUT /_matrix/client/v3/profile/{userId}/{keyName}", 400, { errcode: "M_FORBIDDEN", error: "no" });
  expect(() => expectMatrixError(refusal, 403, "M_FORBIDDEN")).toThrow();
  expect(log.assertions()).toEqual([]);
});

test("asserted coverage counts what passing tests asserted, not what they are named or declare", () => {
  const report = computeCoverage(INVENTORY, [
    // Named for an errcode and declaring both endpoints, but it asserted only a success of one.
    { id: "client/profile::setting another user's profile is 403 M_FORBIDDEN", endpoints: ["GET /_matrix/client/v3/profile/{userId}", "PUT /_matrix/client/v3/profile/{userId}/{keyName}"], cases: assertedCases({ status: "passed", asserted: [{ endpoint: "GET /_matrix/client/v3/profile/{userId}", status: 200 }] }) },
    // A failed test asserted nothing that counts.
    { id: "client/profile::x", endpoints: [], cases: assertedCases({ status: "failed", asserted: [{ endpoint: "PUT /_matrix/client/v3/profile/{userId}/{keyName}", status: 403 }] }) },
  ]);
  expect(report.basis).toBe("asserted");
  const byEndpoint = Object.fromEntries(report.endpoints.map((e) => [e.endpoint, e]));
  expect(byEndpoint["GET /_matrix/client/v3/profile/{userId}"]).toMatchObject({ successCases: 1, errorCases: 0 });
  expect(byEndpoint["PUT /_matrix/client/v3/profile/{userId}/{keyName}"]).toMatchObject({ successCases: 0, errorCases: 0, tests: [] });
  // The same tests read by their names and declarations would claim an error case of PUT.
  const declared = computeCoverage(INVENTORY, [{ id: "client/profile::setting another user's profile is 403 M_FORBIDDEN", endpoints: ["PUT /_matrix/client/v3/profile/{userId}/{keyName}"] }]);
  expect(declared.basis).toBe("declared");
  expect(declared.endpoints.find((e) => e.endpoint.startsWith("PUT"))).toMatchObject({ errorCases: 1 });
});
