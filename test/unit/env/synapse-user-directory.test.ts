import { describe, expect, test } from "vitest";
import { waitForUserDirectory, type ContainerCommand } from "../../../src/env/profiles/synapse-background-updates.ts";

/** A container whose database answers the given positions, one per read, then the last one forever. */
function scripted(answers: string[]): { run: ContainerCommand; reads: () => number } {
  let reads = 0;
  const run: ContainerCommand = async (command) => {
    expect(command.slice(0, 2)).toEqual(["python3", "-c"]);
    expect(command[3]).toBe("/gauntlet/homeserver.yaml");
    return answers[Math.min(reads++, answers.length - 1)]!;
  };
  return { run, reads: () => reads };
}

describe("waiting for Synapse's user directory", () => {
  test("returns once the directory reaches the newest event of the first read, not of later reads", async () => {
    const container = scripted([
      JSON.stringify({ events: 100, directory: 40 }),
      JSON.stringify({ events: 130, directory: null }),
      JSON.stringify({ events: 160, directory: 90 }),
      JSON.stringify({ events: 190, directory: 100 }),
      JSON.stringify({ events: 220, directory: 100 }),
    ]);
    await waitForUserDirectory(container.run, "/gauntlet/homeserver.yaml", { deadlineMs: 5_000, pollMs: 1 });
    expect(container.reads()).toBe(4);
  });

  test("throws at the deadline with the directory's position and the goal", async () => {
    const container = scripted([JSON.stringify({ events: 500, directory: 120 })]);
    await expect(waitForUserDirectory(container.run, "/gauntlet/homeserver.yaml", { deadlineMs: 30, pollMs: 5 })).rejects.toThrow(
      "Synapse's user directory had processed the event stream up to position 120 of 500 after 0.03 s",
    );
  });

  test("a read that prints no positions is an error that quotes what it printed", async () => {
    const container = scripted(["Traceback (most recent call last): no such table: user_directory_stream_pos"]);
    await expect(waitForUserDirectory(container.run, "/gauntlet/homeserver.yaml", { deadlineMs: 1_000, pollMs: 1 })).rejects.toThrow(
      /reading Synapse's user directory position printed "Traceback .*no such table/,
    );
  });
});
