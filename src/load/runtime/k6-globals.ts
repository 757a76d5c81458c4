import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { currentIteration } from "./iteration-context.ts";

/**
 * Installs k6's globals: `__ENV`, and `__VU`/`__ITER`, which read the calling iteration's
 * context because every VU shares this one global object; `open()` reads files next to the script.
 */
export function installK6Globals(env: Record<string, string>, scriptPath: string): void {
  Object.defineProperty(globalThis, "__ENV", { value: env, configurable: true, writable: true });
  Object.defineProperty(globalThis, "__VU", { get: () => currentIteration()?.vu.idInTest ?? 0, configurable: true });
  Object.defineProperty(globalThis, "__ITER", { get: () => currentIteration()?.iteration ?? 0, configurable: true });
  Object.defineProperty(globalThis, "open", {
    configurable: true,
    writable: true,
    value: (path: string, mode?: "b"): string | ArrayBuffer => {
      const bytes = readFileSync(resolve(dirname(scriptPath), path));
      return mode === "b" ? bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length) : bytes.toString("utf8");
    },
  });
}
