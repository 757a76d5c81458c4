import type { CommandModule } from "yargs";
import { benchCommand } from "./bench.ts";
import { coverageCommand } from "./coverage.ts";
import { envCommand } from "./env.ts";
import { imagesCommand } from "./images.ts";
import { listCommand } from "./list.ts";
import { loadCommand } from "./load.ts";
import { matrixCommand } from "./matrix.ts";
import { mergeCommand } from "./merge.ts";
import { portCommand } from "./port.ts";
import { runCommand } from "./run.ts";
import { setupCommand } from "./setup.ts";
import { stateResCommand } from "./state-res.ts";
import { verifyCommand } from "./verify.ts";

// Every command of the CLI, one module each; `gauntlet --help` lists them in this order.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const commands: CommandModule<any, any>[] = [benchCommand, coverageCommand, envCommand, imagesCommand, listCommand, loadCommand, matrixCommand, mergeCommand, portCommand, runCommand, setupCommand, stateResCommand, verifyCommand];
