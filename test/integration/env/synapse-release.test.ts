import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { Environment, startEnvironment } from "../../../src/env/environment.ts";
import { exchangeMessage } from "./matrix.ts";

// A Synapse release other than Debian's: pulled as matrixdotorg/synapse:v<version>, or built
// from PyPI (docker/synapse) where no registry answers.
const VERSION = "1.163.2";

describe(`Synapse ${VERSION} from PyPI (--hs-version)`, () => {
  let env: Environment;
  beforeAll(async () => {
    env = await startEnvironment({ version: VERSION, database: "postgres" });
  }, 900_000);
  afterAll(async () => {
    await env?.stop();
  });

  test("runs that release, on PostgreSQL, and two users exchange a message", async () => {
    const hs = env.homeserver("hs1");
    expect(hs.image.name).toMatch(new RegExp(`^(gauntlet/synapse:${VERSION}-[0-9a-f]{10}|.*matrixdotorg/synapse:v${VERSION})$`));
    const response = await fetch(`${hs.baseUrl}/_matrix/client/versions`);
    expect(response.headers.get("server")).toBe(`Synapse/${VERSION}`);
    await exchangeMessage(hs, `hello from Synapse ${VERSION}`);
  });
});
