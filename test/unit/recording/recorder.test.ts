import { describe, expect, test } from "vitest";
import { Recorder } from "../../../src/recording/recorder.ts";

describe("Recorder", () => {
  test("a wait resolves with an item recorded before it", async () => {
    const recorder = new Recorder<number>();
    recorder.record(1);
    recorder.record(2);
    expect(await recorder.waitFor((n) => n > 1, 100, () => "none")).toBe(2);
  });

  test("a wait resolves with the first matching item recorded after it", async () => {
    const recorder = new Recorder<number>();
    const waiting = recorder.waitFor((n) => n % 2 === 0, 1000, () => "none");
    recorder.record(3);
    recorder.record(4);
    recorder.record(6);
    expect(await waiting).toBe(4);
  });

  test("a wait rejects at its deadline with the failure message", async () => {
    const recorder = new Recorder<number>();
    recorder.record(1);
    await expect(recorder.waitFor((n) => n > 5, 30, (ms) => `nothing over 5 within ${ms} ms`)).rejects.toThrow("nothing over 5 within 30 ms");
  });

  test("a predicate that throws rejects the wait with its error", async () => {
    const recorder = new Recorder<number>();
    const waiting = recorder.waitFor(() => {
      throw new Error("bad predicate");
    }, 1000, () => "none");
    recorder.record(1);
    await expect(waiting).rejects.toThrow("bad predicate");
  });

  test("closing rejects pending waits, and later waits nothing satisfies", async () => {
    const recorder = new Recorder<number>();
    recorder.record(1);
    const pending = recorder.waitFor((n) => n > 1, 10_000, () => "none");
    recorder.close("closed while waiting", "closed already");
    await expect(pending).rejects.toThrow("closed while waiting");
    await expect(recorder.waitFor((n) => n > 1, 10_000, () => "none")).rejects.toThrow("closed already");
    expect(await recorder.waitFor((n) => n === 1, 10_000, () => "none")).toBe(1);
  });
});
