// The `k6` module for the node engine: check, group, sleep, fail, randomSeed.
import { checkIn, groupAt } from "../runtime/group-tree.ts";
import { currentIteration, iterationContext } from "../runtime/iteration-context.ts";
import { currentTestRun } from "../runtime/test-run.ts";

type Checkers<T> = Record<string, (value: T) => unknown>;

export function check<T>(value: T, checkers: Checkers<T>, tags?: Record<string, string>): boolean {
  const run = currentTestRun();
  const context = currentIteration();
  const group = groupAt(run.rootGroup, context?.groupPath ?? "");
  let allPassed = true;
  for (const [name, checker] of Object.entries(checkers)) {
    const outcome = typeof checker === "function" ? checker(value) : checker;
    if (outcome instanceof Promise) {
      throw new Error(`check "${name}" returned a Promise; k6 checks are synchronous, so await the value first and check the result`);
    }
    const passed = Boolean(outcome);
    const record = checkIn(group, name);
    if (passed) record.passes++;
    else record.fails++;
    allPassed &&= passed;
    run.registry.add(run.metrics.checks, passed ? 1 : 0, { ...context?.tags, ...tags, check: name });
  }
  return allPassed;
}

/** Runs `body` inside a named group; an async body is awaited for group_duration. */
export function group<T>(name: string, body: () => T): T {
  if (name.includes("::")) throw new Error(`group name "${name}" may not contain "::", which separates group paths`);
  const run = currentTestRun();
  const parent = currentIteration();
  const groupPath = `${parent?.groupPath ?? ""}::${name}`;
  groupAt(run.rootGroup, groupPath);
  const context = parent
    ? { ...parent, groupPath, tags: { ...parent.tags, group: groupPath } }
    : undefined;
  const startedAt = performance.now();
  const record = (): void => {
    run.registry.add(run.metrics.groupDuration, performance.now() - startedAt, context?.tags ?? { group: groupPath });
  };
  const result = context ? iterationContext.run(context, body) : body();
  if (result instanceof Promise) {
    return result.finally(record) as T;
  }
  record();
  return result;
}

/**
 * Pauses the VU for `seconds`. k6 blocks; the node engine cannot block one VU without
 * stopping all of them, so it returns a promise: scripts write `await sleep(n)`.
 */
export function sleep(seconds: number): Promise<void> {
  const context = currentIteration();
  let awaited = false;
  const done = new Promise<void>((resolve) => {
    setTimeout(() => {
      if (!awaited && context) currentTestRun().warnUnawaitedSleep();
      resolve();
    }, Math.max(0, seconds * 1000));
  });
  // Awaiting calls then(); a sleep nobody awaits is reported once when it ends.
  return {
    then(onFulfilled, onRejected) {
      awaited = true;
      return done.then(onFulfilled, onRejected);
    },
    catch: done.catch.bind(done),
    finally: done.finally.bind(done),
    [Symbol.toStringTag]: "Promise",
  } as Promise<void>;
}

/** Ends the iteration with an error, as k6's fail() does. */
export function fail(message?: string): never {
  throw new Error(message ?? "fail() called");
}

/** Seeds Math.random, for the whole process (VUs share one JavaScript realm here). */
export function randomSeed(seed: number): void {
  let state = seed >>> 0;
  // mulberry32: small, fast and well distributed enough for picking test data.
  Math.random = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export default { check, group, sleep, fail, randomSeed };
