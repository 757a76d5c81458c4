import { register } from "node:module";

let registered = false;

/** Installs the k6 module hooks in this process, once. */
export function registerK6Modules(): void {
  if (registered) return;
  registered = true;
  register(new URL("./k6-module-hooks.ts", import.meta.url), {
    data: { modulesDirectory: new URL("../k6-modules/", import.meta.url).href },
  });
}
