// Synapse schedules background updates (index builds, table back-fills) on a new database and
// works through them after it starts answering; until `populate_user_directory` is done its
// user directory ignores new rooms and profile changes. With the default one-second sleep
// between batches that took about 150 s, so the first tests of a run raced it.
// Later, the user directory follows the event stream in the background, and a busy server lets
// it fall behind: the catch-up step below waits for it, for tests that search the directory.
import type { CatchUpRequest, SettleRequest } from "./types.ts";
import { execInContainer } from "../container.ts";

/** Opens a cursor on whichever database the Synapse config named by argv[1] uses. */
const CONNECT = `
import json, sys
config = json.load(open(sys.argv[1]))
db = config["database"]
if db["name"] == "sqlite3":
    import sqlite3
    connection = sqlite3.connect(db["args"]["database"], timeout=10)
else:
    import psycopg2
    args = {k: v for k, v in db["args"].items() if k in ("user", "password", "database", "host", "port", "dbname")}
    connection = psycopg2.connect(**args)
cursor = connection.cursor()
`;

/** Counts the rows of Synapse's background_updates table. */
const COUNT_PENDING = `${CONNECT}
cursor.execute("SELECT count(*) FROM background_updates")
print(cursor.fetchone()[0])
`;

/** The newest event's stream position, and how far the user directory has processed. */
const DIRECTORY_POSITION = `${CONNECT}
cursor.execute("SELECT coalesce(max(stream_ordering), 0) FROM events")
events = cursor.fetchone()[0]
cursor.execute("SELECT stream_id FROM user_directory_stream_pos")
row = cursor.fetchone()
print(json.dumps({"events": events, "directory": row[0] if row else None}))
`;

export type ContainerCommand = (command: string[]) => Promise<string>;

/** How many background updates the Synapse configured by `configPath` has not finished. */
export async function pendingBackgroundUpdates(run: ContainerCommand, configPath: string): Promise<number> {
  const output = await run(["python3", "-c", COUNT_PENDING, configPath]);
  const pending = Number(output.trim());
  if (!Number.isInteger(pending)) throw new Error(`counting Synapse's background updates printed ${JSON.stringify(output.slice(0, 200))}, not a number`);
  return pending;
}

/**
 * Reads until `done` accepts the value, every `pollMs`; after `deadlineMs` throws `failure` of the
 * last value read. Both waits of this file poll Synapse's database this way.
 */
async function pollDatabase<T>(read: () => Promise<T>, done: (value: T) => boolean, options: { deadlineMs: number; signal?: AbortSignal; pollMs?: number }, failure: (last: T) => string, first?: T): Promise<void> {
  const start = Date.now();
  let value = first ?? (await read());
  while (!done(value)) {
    options.signal?.throwIfAborted();
    if (Date.now() - start > options.deadlineMs) throw new Error(failure(value));
    await new Promise((resolve) => setTimeout(resolve, options.pollMs ?? 250));
    value = await read();
  }
}

/** Polls until no background update is pending; throws with the count left at the deadline. */
export async function waitForBackgroundUpdates(
  run: ContainerCommand,
  configPath: string,
  options: { deadlineMs: number; step: (message: string) => void; signal?: AbortSignal; why: string },
): Promise<void> {
  const pending = await pendingBackgroundUpdates(run, configPath);
  if (pending > 0) options.step(`waiting for Synapse's ${pending} pending background updates`);
  await pollDatabase(
    () => pendingBackgroundUpdates(run, configPath),
    (left) => left === 0,
    options,
    (left) => `Synapse still had ${left} background updates pending after ${options.deadlineMs / 1000} s; ${options.why}`,
    pending,
  );
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

/** Where Synapse's user directory is in the event stream, read from its database. */
export async function userDirectoryPosition(run: ContainerCommand, configPath: string): Promise<{ events: number; directory: number | null }> {
  const output = await run(["python3", "-c", DIRECTORY_POSITION, configPath]);
  let parsed: unknown;
  try {
    parsed = JSON.parse(output);
  } catch {
    parsed = undefined;
  }
  const position = parsed as { events?: unknown; directory?: unknown } | undefined;
  if (typeof position?.events !== "number" || !(typeof position.directory === "number" || position.directory === null)) {
    throw new Error(`reading Synapse's user directory position printed ${JSON.stringify(output.slice(0, 200))}`);
  }
  return { events: position.events, directory: position.directory };
}

/**
 * Polls until Synapse's user directory has processed the event stream up to the newest event at
 * the first read (later events do not move the goal); throws with both positions at the deadline.
 */
export async function waitForUserDirectory(run: ContainerCommand, configPath: string, options: { deadlineMs: number; signal?: AbortSignal; pollMs?: number }): Promise<void> {
  const first = await userDirectoryPosition(run, configPath);
  await pollDatabase(
    () => userDirectoryPosition(run, configPath),
    ({ directory }) => directory !== null && directory >= first.events,
    options,
    ({ directory }) => `Synapse's user directory had processed the event stream up to position ${directory ?? "none"} of ${first.events} after ${options.deadlineMs / 1000} s`,
    first,
  );
}

/**
 * Synapse's catch-up step: its user directory is kept up to date from the stream of state changes
 * by one background loop, which fell up to 1,500 changes (over 30 s) behind on SQLite in a full
 * shuffled run. Waits until it has processed every event persisted before the call.
 */
export function catchUpSynapse(request: CatchUpRequest, configPath: string): Promise<void> {
  const run: ContainerCommand = (command) => execInContainer(request.docker, request.containerId, command);
  return waitForUserDirectory(run, configPath, { deadlineMs: request.deadlineMs, ...(request.signal ? { signal: request.signal } : {}) });
}
