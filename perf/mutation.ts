// The mutation score of the suites: every fault of src/mutation/faults.ts injected between the
// client suites and a real Synapse, and every fault of src/mutation/federation-faults.ts between
// the federation peer and its federation listener, each checked against every suite of its
// folder (or, with GAUNTLET_MUTATION_QUICK=1, only against the suites meant to catch it). Prints
// caught / exercised / total per suite folder and lists what no test catches.
import { startEnvironment } from "../src/env/environment.ts";
import { checkFaults, type FaultOutcome } from "../src/mutation/check.ts";
import { FAULTS } from "../src/mutation/faults.ts";
import { FEDERATION_FAULTS } from "../src/mutation/federation-faults.ts";

const quick = process.env.GAUNTLET_MUTATION_QUICK === "1";
const only = process.env.GAUNTLET_MUTATION_FAULTS?.split(",");
const catalogue = [...FAULTS, ...FEDERATION_FAULTS];
const faults = only ? catalogue.filter((f) => only.some((prefix) => f.id.startsWith(prefix))) : catalogue;

const environment = await startEnvironment({ servers: 1, database: "sqlite", harnessServices: false, progress: (line) => console.error(line) });
let outcomes: FaultOutcome[];
const started = Date.now();
try {
  const hs = environment.homeserver("hs1");
  outcomes = await checkFaults(
    hs,
    faults,
    (fault) => (quick ? fault.catchers : [fault.api === "federation" ? "federation" : "client"]),
    (line) => console.error(line),
    environment.state.ca,
  );
} finally {
  await environment.stop();
}

// A fault counts for the folder of the suites meant to catch it.
const folders = new Map<string, { caught: number; exercised: number; total: number }>();
for (const outcome of outcomes) {
  const folder = outcome.fault.catchers[0]?.split("/")[0] ?? "?";
  const row = folders.get(folder) ?? { caught: 0, exercised: 0, total: 0 };
  row.total++;
  if (outcome.exercised > 0) row.exercised++;
  if (outcome.caughtBy.length > 0) row.caught++;
  folders.set(folder, row);
}
console.log(`\nmutation check, ${quick ? "each fault against the suites meant to catch it" : "each fault against every suite of its folder"}, ${((Date.now() - started) / 60_000).toFixed(1)} min`);
console.log(`${"folder".padEnd(12)} ${"caught".padStart(7)} ${"exercised".padStart(10)} ${"total".padStart(6)}`);
for (const [folder, row] of folders) console.log(`${folder.padEnd(12)} ${String(row.caught).padStart(7)} ${String(row.exercised).padStart(10)} ${String(row.total).padStart(6)}`);
const byClass = new Map<string, [number, number]>();
for (const o of outcomes) {
  const [caught, total] = byClass.get(o.fault.class) ?? [0, 0];
  byClass.set(o.fault.class, [caught + (o.caughtBy.length > 0 ? 1 : 0), total + 1]);
}
console.log(`by class: ${[...byClass].map(([c, [caught, total]]) => `${c} ${caught}/${total}`).join(", ")}`);
const missed = outcomes.filter((o) => o.caughtBy.length === 0);
if (missed.length > 0) {
  console.log("\nnot caught:");
  for (const o of missed) console.log(`  ${o.fault.id}${o.exercised === 0 ? " (never exercised)" : ""}: ${o.fault.description}${o.fault.unforbidden ? ` (no spec rule forbids it: ${o.fault.unforbidden})` : ""}`);
}
