import { readFileSync } from "node:fs";
import type { CommandModule } from "yargs";
import { splitStateMapKey } from "../../protocol/event.ts";
import { isKnownRoomVersion, ROOM_VERSIONS } from "../../protocol/room-versions.ts";
import {
  eventName,
  FixtureError,
  parseStateResFixture,
  runStateResFixture,
  type FixtureOutcome,
  type StateResFixture,
} from "../../protocol/state-res/fixture.ts";
import { UserError } from "../../errors/user-error.ts";

interface StateResArgs {
  file: string;
  "room-version": string | undefined;
  trace: boolean;
}

function loadFixture(file: string): StateResFixture {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason = code === "ENOENT" ? "no such file" : code === "EISDIR" ? "it is a directory" : (error as Error).message;
    throw new UserError(`cannot read the fixture ${file}: ${reason}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new UserError(`${file} is not JSON: ${(error as Error).message}`);
  }
  try {
    return parseStateResFixture(json, file);
  } catch (error) {
    if (error instanceof FixtureError) {
      throw new UserError(`${error.message}\nThe fixture format is described in fixtures/state-res/README.md.`);
    }
    throw error;
  }
}

function printOutcome(fixture: StateResFixture, outcome: FixtureOutcome, showTrace: boolean): void {
  const out = (line = ""): boolean => process.stdout.write(`${line}\n`);
  const trace = outcome.trace;
  out(`room version ${outcome.roomVersion}${trace ? `, state resolution ${trace.algorithm}` : ""}`);
  if (fixture.description) out(fixture.description);
  out();
  if (outcome.resolved) {
    out("resolved state:");
    const rows = [...outcome.resolved].map(([key, id]) => [...splitStateMapKey(key), eventName(id)] as const);
    rows.sort((a, b) => (a[0] === b[0] ? (a[1] < b[1] ? -1 : 1) : a[0] < b[0] ? -1 : 1));
    const typeWidth = Math.max(...rows.map((row) => row[0].length), 4);
    const keyWidth = Math.max(...rows.map((row) => JSON.stringify(row[1]).length), 9);
    for (const [type, stateKey, name] of rows) out(`  ${type.padEnd(typeWidth)}  ${JSON.stringify(stateKey).padEnd(keyWidth)}  ${name}`);
  }
  if (outcome.authDifference) out(`auth difference: ${[...outcome.authDifference].map(eventName).sort().join(", ") || "(empty)"}`);
  if (outcome.powerOrder) out(`reverse topological power order: ${outcome.powerOrder.map(eventName).join(", ")}`);

  if (trace && (showTrace || !outcome.passed)) {
    out();
    out(`conflicted:           ${[...trace.conflicted].map(eventName).join(", ") || "(none)"}`);
    out(`auth difference:      ${[...trace.authDifference].map(eventName).join(", ") || "(none)"}`);
    if (trace.algorithm === "v2.1") out(`conflicted subgraph:  ${[...trace.conflictedSubgraph].map(eventName).join(", ") || "(none)"}`);
    out(`power order:          ${trace.powerOrder.map(eventName).join(", ") || "(none)"}`);
    out(`mainline order:       ${trace.mainlineOrder.map(eventName).join(", ") || "(none)"}`);
    const failures = trace.checks.filter((check) => !check.result.allowed);
    if (failures.length > 0) {
      out("failed auth checks:");
      for (const { eventId, step, result } of failures) {
        if (!result.allowed) out(`  ${eventName(eventId)} (${step} step): rule ${result.rule}: ${result.reason}`);
      }
    }
  }
  out();
  if (outcome.passed) {
    out("matches the expected result");
    return;
  }
  out(`differs from the expected result in ${outcome.differences.length} place(s):`);
  for (const difference of outcome.differences) {
    out(`  ${difference.key}: expected ${difference.expected ?? "(absent)"}, resolved ${difference.actual ?? "(absent)"}`);
    for (const line of difference.explanation) out(`    ${line}`);
  }
}

export const stateResCommand: CommandModule<object, StateResArgs> = {
  command: "state-res <file>",
  describe: "resolve a state-resolution fixture and explain where it differs from the expectation",
  builder: (yargs) =>
    yargs
      .positional("file", { type: "string", demandOption: true, describe: "a fixture (format: fixtures/state-res/README.md)" })
      .option("room-version", { type: "string", describe: "resolve under this room version instead of the fixture's" })
      .option("trace", { type: "boolean", default: false, describe: "always print the orderings and failed auth checks" }),
  handler: async (argv) => {
    const version = argv["room-version"];
    if (version !== undefined && !isKnownRoomVersion(version)) {
      throw new UserError(`unknown room version ${JSON.stringify(version)}; choose one of ${[...ROOM_VERSIONS.keys()].join(", ")}`);
    }
    if (version === "1") throw new UserError("room version 1 uses state resolution v1, which gauntlet does not implement; choose 2-12");
    const fixture = loadFixture(argv.file);
    const outcome = runStateResFixture(fixture, version === undefined ? {} : { roomVersion: version });
    if (version !== undefined && ROOM_VERSIONS.get(version)!.roomIdIsCreateEventHash !== ROOM_VERSIONS.get(fixture.roomVersion)!.roomIdIsCreateEventHash) {
      // Room v12 events do not cite the create event; other versions must (rooms/v12.md rule 3.2).
      process.stderr.write(
        `gauntlet: note: the fixture's events follow room version ${fixture.roomVersion}'s event format; under ${version} the ` +
          "create event is cited differently in auth_events, so creator power and auth checks may not mean what they did\n",
      );
    }
    printOutcome(fixture, outcome, argv.trace);
    if (!outcome.passed) process.exitCode = 1;
  },
};
