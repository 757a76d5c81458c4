import { MatrixClientError } from "./errors.ts";

/**
 * Repeats a read until `check` accepts its result, for state the spec lets a server update
 * asynchronously (user directory, search index) and that /sync does not announce. Bounded in
 * attempts and time; the gap between attempts grows from 50 ms to 500 ms.
 */
export async function readUntil<T>(what: string, read: () => Promise<T>, check: (value: T) => boolean, options: { timeoutMs?: number; maxAttempts?: number } = {}): Promise<T> {
  const deadline = Date.now() + (options.timeoutMs ?? 10_000);
  const maxAttempts = options.maxAttempts ?? 60;
  let last: T | undefined;
  for (let attempt = 0, gap = 50; attempt < maxAttempts && Date.now() < deadline; attempt += 1, gap = Math.min(gap * 2, 500)) {
    last = await read();
    if (check(last)) return last;
    await new Promise((resolve) => setTimeout(resolve, Math.min(gap, Math.max(0, deadline - Date.now()))));
  }
  throw new MatrixClientError(`waited ${options.timeoutMs ?? 10_000} ms for ${what}; last value: ${JSON.stringify(last)?.slice(0, 800)}`, undefined);
}
