import { expect, test } from "vitest";
import { portedConfig } from "../../../src/env/profiles/synapse-port-db.ts";
import { stableAnswer, type ReadAnswers } from "../../../src/port/deployment-reads.ts";
import { describeDifferences, differingReads } from "../../../src/port/read-equality.ts";

const answers = (entries: [string, number, unknown][]): ReadAnswers => new Map(entries.map(([name, status, body]) => [name, { status, body: stableAnswer(body) }]));

test("reads answering the same, in any key order and at any event age, show no difference", () => {
  const before = answers([["!a state", 200, [{ type: "m.room.name", content: { name: "A" }, unsigned: { age: 10 } }]]]);
  const after = answers([["!a state", 200, [{ unsigned: { age: 99_000 }, content: { name: "A" }, type: "m.room.name" }]]]);
  expect(differingReads(before, after)).toEqual([]);
});

test("a changed body, a changed status and a read only one side has are each reported with both answers", () => {
  const before = answers([
    ["timeline", 200, { chunk: [1, 2, 3] }],
    ["media", 200, { sha256: "x" }],
    ["devices", 200, { devices: [] }],
  ]);
  const after = answers([
    ["timeline", 200, { chunk: [1, 2] }],
    ["media", 404, { errcode: "M_NOT_FOUND" }],
  ]);
  const differences = differingReads(before, after);
  expect(differences.map((d) => d.read)).toEqual(["timeline", "media", "devices"]);
  expect(differences[1]).toEqual({ read: "media", before: { status: 200, body: { sha256: "x" } }, after: { status: 404, body: { errcode: "M_NOT_FOUND" } } });
  const text = describeDifferences(differences);
  expect(text).toContain('before: HTTP 200 {"chunk":[1,2,3]}');
  expect(text).toContain('after:  HTTP 200 {"chunk":[1,2]}');
  expect(text).toContain("after:  (not read)");
  expect(text).toContain("first difference at body.chunk.2: 3 then undefined");
});

test("the ported Synapse configuration keeps server name, keys and media store, and moves database and listeners", () => {
  const original = {
    server_name: "localhost:8448",
    signing_key_path: "/gauntlet/signing.key",
    media_store_path: "/gauntlet/media_store",
    database: { name: "sqlite3", args: { database: "/gauntlet/homeserver.db" } },
    listeners: [{ port: 1, tls: false }, { port: 2, tls: true }],
  };
  const ported = portedConfig(original, { clientPort: 10, federationPort: 20, database: { host: "127.0.0.1", port: 5432 } });
  expect(ported).toMatchObject({
    server_name: "localhost:8448",
    signing_key_path: "/gauntlet/signing.key",
    media_store_path: "/gauntlet/media_store",
    database: { name: "psycopg2", args: { host: "127.0.0.1", port: 5432 } },
    listeners: [{ port: 10, tls: false }, { port: 20, tls: true }],
    public_baseurl: "http://127.0.0.1:10/",
  });
});
