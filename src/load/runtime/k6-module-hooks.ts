// Module resolution hooks (module.registerHooks, run in this thread) that let a k6 script run
// under Node: `k6`, `k6/http`, … resolve to the node engine's implementations, and a script
// loaded as `script.ts?vu=N` passes `?vu=N` on to its own relative imports, so each VU gets its
// own instance of the script's module graph (k6 gives every VU its own runtime).
import type { ResolveFnOutput, ResolveHookContext } from "node:module";

type NextResolve = (specifier: string, context?: Partial<ResolveHookContext>) => ResolveFnOutput;

const K6_MODULES: Record<string, string> = {
  k6: "k6.ts",
  "k6/http": "http.ts",
  "k6/metrics": "metrics.ts",
  "k6/execution": "execution.ts",
  "k6/timers": "timers.ts",
};

/** The resolve hook, given where the engine's k6 modules live (a directory URL). */
export function k6Resolve(modulesDirectory: string) {
  return (specifier: string, context: ResolveHookContext, nextResolve: NextResolve): ResolveFnOutput => {
    const builtin = K6_MODULES[specifier];
    if (builtin) return { url: new URL(builtin, modulesDirectory).href, shortCircuit: true };
    if (specifier === "k6" || specifier.startsWith("k6/")) {
      throw new Error(
        `the node engine has no "${specifier}" module; it provides ${Object.keys(K6_MODULES).join(", ")}. ` +
          "Run this script with --engine k6 or drop the import.",
      );
    }
    const resolved = nextResolve(specifier, context);
    const vu = context.parentURL?.startsWith("file:") ? new URL(context.parentURL).searchParams.get("vu") : null;
    const ownModule = resolved.url.startsWith("file:") && !resolved.url.includes("/node_modules/") && !resolved.url.startsWith(modulesDirectory);
    if (vu !== null && ownModule) {
      const isolated = new URL(resolved.url);
      isolated.searchParams.set("vu", vu);
      return { ...resolved, url: isolated.href };
    }
    return resolved;
  };
}
