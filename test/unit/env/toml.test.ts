import { parse } from "smol-toml";
import { describe, expect, test } from "vitest";
import { toToml } from "../../../src/env/profiles/toml.ts";

describe("TOML writer of the Conduit family's configuration", () => {
  test("a TOML parser reads back the same table: strings with quotes and escapes, numbers, booleans, arrays, nested tables", () => {
    const table = {
      global: {
        server_name: "localhost:8448",
        token: 'a "quoted" \\ value\n',
        port: [8008, 8448],
        ip_range_denylist: [],
        dual: true,
        ratio: 1.5,
        tls: { certs: "/gauntlet/tls.crt", key: "/gauntlet/tls.key" },
        "dotted.key": "x",
      },
    };
    expect(parse(toToml(table))).toEqual(table);
  });

  test("undefined values are left out", () => {
    expect(parse(toToml({ global: { a: 1, b: undefined } }))).toEqual({ global: { a: 1 } });
  });

  test("a value TOML cannot hold is refused with its path", () => {
    expect(() => toToml({ global: { limit: Number.POSITIVE_INFINITY } })).toThrow("global.limit: TOML has no Infinity; expected a finite number");
  });
});
