import { afterAll, beforeAll, expect, test } from "vitest";
import { Environment, startEnvironment } from "../../../src/env/environment.ts";
import { checkFaults } from "../../../src/mutation/check.ts";
import { FEDERATION_FAULTS } from "../../../src/mutation/federation-faults.ts";

// The federation half of the mutation check: every fault of the federation catalogue that breaks a
// rule of the spec, injected between the federation peer and a real Synapse's federation listener,
// must make a test of the suites meant to catch it fail. (Faults marked unforbidden are only reported,
// by `npm run bench:mutation`.)

let environment: Environment;
beforeAll(async () => {
  environment = await startEnvironment({ servers: 1, database: "sqlite", harnessServices: false });
});
afterAll(async () => {
  await environment?.stop();
});

test("every injected federation fault makes a test of the federation suites meant to catch it fail", async () => {
  const hs = environment.homeserver("hs1");
  const started = Date.now();
  const outcomes = await checkFaults(hs, FEDERATION_FAULTS.filter((fault) => !fault.unforbidden), (fault) => fault.catchers, () => {}, environment.state.ca);
  const missed = outcomes.filter((o) => o.caughtBy.length === 0).map((o) => `${o.fault.id}${o.exercised === 0 ? " (never exercised)" : ""}: ${o.fault.description} [${o.suites.join(", ")}]`);
  console.log(`federation mutation check: ${outcomes.length - missed.length}/${outcomes.length} faults caught in ${((Date.now() - started) / 60_000).toFixed(1)} min`);
  expect(missed).toEqual([]);
}, 30 * 60_000);
