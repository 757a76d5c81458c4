// Synapse schedules background updates (index builds, table back-fills) on a new database and
// works through them after it starts answering; until `populate_user_directory` is done its
// user directory ignores new rooms and profile changes. With the default one-second sleep
// between batches that took about 150 s, so the first tests of a run raced it.
import type { SettleRequest } from "./types.ts";
import { execInContainer } from "../container.ts";

/** Counts the rows of Synapse's background_updates table, on whichever database its config names. */
const COUNT_PENDING = `
import json, sys
config = json.load(open(sys.argv[1]))
db = config["database"]
if db["name"] == "sqlite3":
    import sqlite3
    connection = sqlite3.connect(db["args"]["database"])
else:
    import psycopg2
    args = {k: v for k, v in db["args"].items() if k in ("user", "password", "database", "host", "port", "dbname")}
    connection = psycopg2.connect(**args)
cursor = connection.cursor()
cursor.execute("SELECT count(*) FROM background_updates")
print(cursor.fetchone()[0])
`;

export type ContainerCommand = (command: string[]) => Promise<string>;

/** How many background updates the Synapse configured by `configPath` has not finished. */
export async function pendingBackgroundUpdates(run: ContainerCommand, configPath: string): Promise<number> {
  const output = await run(["python3", "-c", COUNT_PENDING, configPath]);
  const pending = Number(output.trim());
  if (!Number.isInteger(pending)) throw new Error(`counting Synapse's background updates printed ${JSON.stringify(output.slice(0, 200))}, not a number`);
  return pending;
}

/** Polls until no background update is pending; throws with the count left at the deadline. */
export async function waitForBackgroundUpdates(
  run: ContainerCommand,
  configPath: string,
  options: { deadlineMs: number; step: (message: string) => void; signal?: AbortSignal; why: string },
): Promise<void> {
  const start = Date.now();
  let pending = await pendingBackgroundUpdates(run, configPath);
  if (pending > 0) options.step(`waiting for Synapse's ${pending} pending background updates`);
  while (pending > 0) {
    options.signal?.throwIfAborted();
    if (Date.now() - start > options.deadlineMs) {
      throw new Error(`Synapse still had ${pending} background updates pending after ${options.deadlineMs / 1000} s; ${options.why}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
    pending = await pendingBackgroundUpdates(run, configPath);
  }
}

/** The Synapse profile's settle step: the container's background updates, all done. */
export async function settleSynapse(request: SettleRequest, configPath: string): Promise<void> {
  const run: ContainerCommand = (command) => execInContainer(request.docker, request.containerId, command);
  const start = Date.now();
  await waitForBackgroundUpdates(run, configPath, {
    deadlineMs: request.deadlineMs,
    step: request.step,
    ...(request.signal ? { signal: request.signal } : {}),
    why: "tests would race its user directory and indexes",
  });
  const seconds = (Date.now() - start) / 1000;
  if (seconds >= 1) request.step(`Synapse's background updates finished after ${seconds.toFixed(1)} s`);
}
