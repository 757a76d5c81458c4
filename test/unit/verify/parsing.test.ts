import { describe, expect, test } from "vitest";
import { parseDnsServer } from "../../../src/verify/dns-client.ts";
import { parseResolveEntry } from "../../../src/verify/resolver.ts";
import { parseServerName } from "../../../src/verify/server-name.ts";

describe("server names (appendices, Server Name grammar)", () => {
  test.each([
    ["example.org", { host: "example.org", isIpLiteral: false }],
    ["example.org:8448", { host: "example.org", port: 8448, isIpLiteral: false }],
    ["1.2.3.4:99", { host: "1.2.3.4", port: 99, isIpLiteral: true }],
    ["[::1]:8448", { host: "::1", port: 8448, isIpLiteral: true }],
    ["[2001:db8::1]", { host: "2001:db8::1", isIpLiteral: true }],
  ])("%s", (text, expected) => {
    expect(parseServerName(text)).toEqual({ ...expected, text });
  });

  test.each([["example.org:0"], ["example.org:70000"], ["::1"], ["[zz::1]"], ["exa mple.org"], ["https://example.org"]])("%s is refused", (text) => {
    expect(() => parseServerName(text)).toThrow(/not a server name/);
  });
});

describe("--resolve and --dns", () => {
  test("curl's form, a wildcard port, and a redirected port", () => {
    expect(parseResolveEntry("Example.org:443:127.0.0.1")).toEqual({ host: "example.org", port: 443, address: "127.0.0.1" });
    expect(parseResolveEntry("example.org:*:[::1]")).toEqual({ host: "example.org", port: "*", address: "::1" });
    expect(parseResolveEntry("example.org:443:127.0.0.1:8443")).toEqual({ host: "example.org", port: 443, address: "127.0.0.1", connectPort: 8443 });
    expect(parseResolveEntry("example.org:443:[::1]:8443")).toEqual({ host: "example.org", port: 443, address: "::1", connectPort: 8443 });
  });

  test("bad entries say what was expected", () => {
    expect(() => parseResolveEntry("example.org:443")).toThrow(/HOST:PORT:ADDR/);
    expect(() => parseResolveEntry("example.org:443:localhost")).toThrow(/not an IP address/);
    expect(() => parseResolveEntry("example.org:443:127.0.0.1:0")).toThrow(/out of range/);
    expect(parseDnsServer("127.0.0.1:5353")).toEqual({ address: "127.0.0.1", port: 5353 });
    expect(parseDnsServer("[::1]:53")).toEqual({ address: "::1", port: 53 });
    expect(() => parseDnsServer("localhost:53")).toThrow(/ADDR:PORT/);
  });
});
