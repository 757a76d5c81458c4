import { test as base } from "vitest";
import { ApplicationService } from "../src/appservice/server.ts";
import type { MatrixClient } from "../src/client/client.ts";
import type { SignedInUser } from "../src/client/registration.ts";
import { endpointName, type Endpoint } from "../src/client/endpoint.ts";
import { hintFor } from "../src/client/errors.ts";
import { describeExchange, ExchangeLog, type AssertedAnswer } from "../src/client/exchange.ts";
import { redactText } from "../src/client/redact.ts";
import { loadDeployment, type Deployment, type DeploymentHomeserver } from "../src/deployment/deployment.ts";
import { SmtpSink } from "../src/mail/smtp-sink.ts";

declare module "vitest" {
  interface TaskMeta {
    /** Spec endpoints the test exercises, as `METHOD /path/{template}`. */
    endpoints?: string[];
    /** Section of the spec the test checks, e.g. `client-server-api/#creation`. */
    specSection?: string;
    /** What the test's matchers asserted endpoints answered; `gauntlet coverage --results` reads it. */
    asserted?: AssertedAnswer[];
  }
}

/**
 * Test options naming the spec endpoints (entries of `endpoints` or `federationEndpoints`) and the
 * section a test covers; results and `gauntlet coverage` read them as `METHOD /path` strings.
 */
export function covers(endpoints: readonly Pick<Endpoint, "method" | "template">[], specSection: string) {
  return { meta: { endpoints: endpoints.map(endpointName), specSection } };
}

export const test = base.extend<{
  $worker: { deployment: Deployment };
  $file: {
    /** hs1's mail sink, listening while the file runs; undefined when the deployment has none. */
    mailSink: SmtpSink | undefined;
    /** The application service registered with hs1, serving while the file runs; undefined when there is none. */
    applicationService: ApplicationService | undefined;
  };
  $test: {
    /** Email hs1 sent; tests that read email skip with the reason when the deployment has no mail sink. */
    mail: SmtpSink;
    /** The harness's application service on hs1; tests that need it skip with the reason when there is none. */
    appservice: ApplicationService;
    /** Requests of every client of the test, for failure messages. */
    requests: ExchangeLog;
    hs: DeploymentHomeserver;
    /** The second homeserver; tests that need federation skip with the reason when the run has one server. */
    hs2: DeploymentHomeserver;
    anonymous: MatrixClient;
    alice: MatrixClient;
    bob: MatrixClient;
    charlie: MatrixClient;
    /** A user whose password the test knows, for login and logout tests. */
    account: SignedInUser;
    /** A public room created by alice (preset public_chat). */
    publicRoom: string;
  };
}>({
  deployment: [async ({}, use) => use(loadDeployment()), { scope: "worker" }],
  requests: [
    async ({ onTestFailed, task }, use) => {
      const log = new ExchangeLog(30);
      // A plain `expect` failure knows nothing of HTTP: add the test's last requests and a hint to it.
      onTestFailed(({ task }) => {
        const error = task.result?.errors?.[0];
        const recent = log.recent(3);
        const last = recent.at(-1);
        if (!error || !last || error.message.includes("\n→ ")) return;
        // A hint about the last response only helps when that response itself went wrong.
        const answered = !last.error && (last.status ?? 0) >= 200 && (last.status ?? 0) < 300;
        const hint = answered ? "" : `\n\nhint: ${hintFor(last)}`;
        error.message = redactText(`${error.message}\n\nlast requests of this test:\n${recent.map(describeExchange).join("\n")}${hint}`);
      });
      await use(log);
      task.meta.asserted = log.assertions();
    },
    { auto: true },
  ],
  // Each homeserver has one sink port: a second file that needs it waits until the first lets go.
  mailSink: [
    async ({ deployment }, use) => {
      const mail = deployment.homeserver("hs1").mail;
      const sink = mail ? await SmtpSink.listen({ port: mail.smtpPort }) : undefined;
      await use(sink);
      await sink?.close();
    },
    { scope: "file" },
  ],
  applicationService: [
    async ({ deployment }, use) => {
      const registration = deployment.homeserver("hs1").appservice;
      const service = registration ? await ApplicationService.listen(registration) : undefined;
      await use(service);
      await service?.close();
    },
    { scope: "file" },
  ],
  mail: async ({ mailSink, skip }, use) => {
    if (!mailSink) skip("the deployment sends its email to no sink of the harness (started by gauntlet with host networking, it does)");
    await use(mailSink as SmtpSink);
  },
  appservice: async ({ applicationService, skip }, use) => {
    if (!applicationService) skip("no application service of the harness is registered with the homeserver (started by gauntlet with host networking, it is)");
    await use(applicationService as ApplicationService);
  },
  hs: async ({ deployment }, use) => use(deployment.homeserver("hs1")),
  hs2: async ({ deployment, skip }, use) => {
    if (!deployment.has("hs2")) skip("needs a second homeserver: run with --servers 2");
    await use(deployment.homeserver("hs2"));
  },
  anonymous: async ({ hs, requests }, use) => {
    const client = hs.anonymousClient(requests);
    await use(client);
    client.close();
  },
  alice: async ({ hs, requests }, use) => {
    const { client } = await hs.newUser("alice", { log: requests });
    await use(client);
    client.close();
  },
  bob: async ({ hs, requests }, use) => {
    const { client } = await hs.newUser("bob", { log: requests });
    await use(client);
    client.close();
  },
  charlie: async ({ hs, requests }, use) => {
    const { client } = await hs.newUser("charlie", { log: requests });
    await use(client);
    client.close();
  },
  account: async ({ hs, requests }, use) => {
    const user = await hs.newUser("dana", { log: requests });
    await use(user);
    user.client.close();
  },
  publicRoom: async ({ alice }, use) => {
    await use(await alice.mustCreateRoom({ preset: "public_chat", name: "gauntlet public room" }));
  },
});

export { expect, describe } from "vitest";
