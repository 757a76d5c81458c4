import { afterAll, beforeAll, expect, test } from "vitest";
import { Environment, startEnvironment } from "../../../src/env/environment.ts";
import { checkFaults, type FaultOutcome } from "../../../src/mutation/check.ts";
import { FAULTS } from "../../../src/mutation/faults.ts";
import { FEDERATION_FAULTS } from "../../../src/mutation/federation-faults.ts";

// The mutation check in Gauntlet's own tests: every fault of the catalogue, injected between the
// suites and a real Synapse, must make a test of the suites meant to catch it fail. (`npm run
// bench:mutation` runs every fault against every suite of its folder.) The federation faults sit
// between the federation peer and the federation listener; those marked unforbidden break no spec
// rule and are only reported, by bench:mutation.

let environment: Environment;
beforeAll(async () => {
  environment = await startEnvironment({ servers: 1, database: "sqlite", harnessServices: false });
});
afterAll(async () => {
  await environment?.stop();
});

test("every injected fault makes a test of the suites meant to catch it fail", async () => {
  const hs = environment.homeserver("hs1");
  const started = Date.now();
  const outcomes: FaultOutcome[] = await checkFaults(
    hs,
    FAULTS,
    (fault) => fault.catchers,
  );
  const missed = outcomes.filter((o) => o.caughtBy.length === 0).map((o) => `${o.fault.id}${o.exercised === 0 ? " (never exercised)" : ""}: ${o.fault.description} [${o.suites.join(", ")}]`);
  console.log(`mutation check: ${outcomes.length - missed.length}/${outcomes.length} faults caught in ${((Date.now() - started) / 60_000).toFixed(1)} min`);
  expect(missed).toEqual([]);
}, 45 * 60_000);

test("every injected federation fault makes a test of the federation suites meant to catch it fail", async () => {
  const hs = environment.homeserver("hs1");
  const started = Date.now();
  const outcomes = await checkFaults(hs, FEDERATION_FAULTS.filter((fault) => !fault.unforbidden), (fault) => fault.catchers, () => {}, environment.state.ca);
  const missed = outcomes.filter((o) => o.caughtBy.length === 0).map((o) => `${o.fault.id}${o.exercised === 0 ? " (never exercised)" : ""}: ${o.fault.description} [${o.suites.join(", ")}]`);
  console.log(`federation mutation check: ${outcomes.length - missed.length}/${outcomes.length} faults caught in ${((Date.now() - started) / 60_000).toFixed(1)} min`);
  expect(missed).toEqual([]);
}, 30 * 60_000);
