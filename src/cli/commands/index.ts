import type { CommandModule } from "yargs";

// Every command of the CLI, one module each; `gauntlet --help` lists them in this order.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const commands: CommandModule<any, any>[] = [];
