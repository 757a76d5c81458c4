import { registerHooks } from "node:module";
import { k6Resolve } from "./k6-module-hooks.ts";

let registered = false;

/**
 * Installs the k6 module hooks in this process, once. They run in this thread
 * (`registerHooks`), not in a loader thread (`register`): every VU imports the script anew, and
 * a loader thread would cost each of those imports a round trip per module.
 */
export function registerK6Modules(): void {
  if (registered) return;
  registered = true;
  registerHooks({ resolve: k6Resolve(new URL("../k6-modules/", import.meta.url).href) });
}
