import { describe, expect, test } from "vitest";
import { k6Resolve } from "../../../src/load/runtime/k6-module-hooks.ts";

const MODULES = "file:///engine/k6-modules/";
const resolve = k6Resolve(MODULES);
// Node's own resolution, reduced to joining a relative specifier to its parent.
const next = (specifier: string, context?: { parentURL?: string }) => ({ url: new URL(specifier, context?.parentURL ?? "file:///").href });
const context = (parentURL?: string) => ({ conditions: ["node", "import"], importAttributes: {}, parentURL });

describe("the node engine's module resolution", () => {
  test("k6 modules resolve to the engine's implementations", () => {
    expect(resolve("k6/http", context("file:///s/script.js?vu=3"), next)).toEqual({ url: `${MODULES}http.ts`, shortCircuit: true });
    expect(resolve("k6", context(), next).url).toBe(`${MODULES}k6.ts`);
  });

  test("a k6 module the engine lacks is an error that names the ones it has and the k6 engine", () => {
    expect(() => resolve("k6/ws", context(), next)).toThrow(/no "k6\/ws" module; it provides k6, k6\/http, k6\/metrics, k6\/execution, k6\/timers\. Run this script with --engine k6/);
  });

  test("a VU's script passes its ?vu to its own imports, so each VU has its own module instances", () => {
    expect(resolve("./lib.js", context("file:///s/script.js?vu=7"), next).url).toBe("file:///s/lib.js?vu=7");
  });

  test("packages, the engine's modules and imports outside a VU are shared, not isolated", () => {
    expect(resolve("./node_modules/pkg/index.js", context("file:///s/script.js?vu=7"), next).url).toBe("file:///s/node_modules/pkg/index.js");
    expect(resolve("./metrics.ts", context(`${MODULES}http.ts?vu=7`), next).url).toBe(`${MODULES}metrics.ts`);
    expect(resolve("./lib.js", context("file:///s/script.js"), next).url).toBe("file:///s/lib.js");
  });
});
