import { endpoints } from "../../src/client/endpoints.ts";
import { covers, describe, expect, test } from "../fixtures.ts";

// client-server-api/#web-browser-clients: "Servers MUST expect that clients will approach them
// with OPTIONS requests, allowing them to discover the CORS headers." The headers it recommends on
// all requests: Access-Control-Allow-Origin: *, Access-Control-Allow-Methods: GET, POST, PUT,
// DELETE, OPTIONS, and Access-Control-Allow-Headers: X-Requested-With, Content-Type, Authorization.

const ORIGIN = "https://client.example";

/** The origin a browser may use the answer from: any (`*`), or this one named. */
function allowsOrigin(value: string | undefined): boolean {
  return value === "*" || value === ORIGIN;
}

describe("web browser clients", () => {
  test(
    "a CORS preflight of an authenticated endpoint allows the origin, the method and the Authorization and Content-Type headers",
    covers([endpoints.whoami, endpoints.setAccountData], "client-server-api/#web-browser-clients"),
    async ({ alice }) => {
      for (const [ep, path] of [
        [endpoints.whoami, {}],
        [endpoints.setAccountData, { userId: alice.userId, type: "org.example.cors" }],
      ] as const) {
        const preflight = await alice.preflight(ep, { path, origin: ORIGIN });
        expect(preflight.status, `OPTIONS ${ep.template}`).toBeGreaterThanOrEqual(200);
        expect(preflight.status, `OPTIONS ${ep.template}`).toBeLessThan(300);
        expect(allowsOrigin(preflight.headers["access-control-allow-origin"]), `Access-Control-Allow-Origin of OPTIONS ${ep.template}: ${preflight.headers["access-control-allow-origin"]}`).toBe(true);
        expect(preflight.headers["access-control-allow-methods"]?.toUpperCase(), `Access-Control-Allow-Methods of OPTIONS ${ep.template}`).toContain(ep.method);
        const allowedHeaders = (preflight.headers["access-control-allow-headers"] ?? "").toLowerCase();
        expect(allowedHeaders, `Access-Control-Allow-Headers of OPTIONS ${ep.template}`).toContain("authorization");
        expect(allowedHeaders, `Access-Control-Allow-Headers of OPTIONS ${ep.template}`).toContain("content-type");
      }
    },
  );

  test(
    "answers to a browser's requests carry Access-Control-Allow-Origin, with and without an access token",
    covers([endpoints.versions, endpoints.whoami], "client-server-api/#web-browser-clients"),
    async ({ alice, anonymous }) => {
      const versions = anonymous.must(await anonymous.call(endpoints.versions, { headers: { origin: ORIGIN } }));
      expect(versions.versions.length).toBeGreaterThan(0);
      const answers = [
        await anonymous.call(endpoints.versions, { headers: { origin: ORIGIN } }),
        await alice.call(endpoints.whoami, { headers: { origin: ORIGIN } }),
        // An error is read by the page too: without the header the browser hides it.
        await anonymous.call(endpoints.whoami, { auth: false, headers: { origin: ORIGIN } }),
      ];
      for (const answer of answers) {
        expect(allowsOrigin(answer.headers["access-control-allow-origin"]), `${answer.endpoint} (HTTP ${answer.status}): Access-Control-Allow-Origin is ${answer.headers["access-control-allow-origin"]}`).toBe(true);
      }
    },
  );
});
