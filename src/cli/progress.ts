/** Progress goes to stderr so that stdout stays machine-readable (`--json`). */
export function stderrProgress(quiet = false): (message: string) => void {
  return quiet ? () => {} : (message) => process.stderr.write(`${message}\n`);
}

/**
 * Turns SIGINT/SIGTERM into an abort of `controller`, so that whatever was started can be torn
 * down; a second signal exits at once.
 */
export function abortOnSignals(controller: AbortController): { signalled: () => NodeJS.Signals | undefined; dispose: () => void } {
  let received: NodeJS.Signals | undefined;
  const handler = (signal: NodeJS.Signals) => {
    if (received) process.exit(signal === "SIGINT" ? 130 : 143);
    received = signal;
    process.stderr.write(`\n${signal}: stopping and removing what was started…\n`);
    controller.abort(new Error(`interrupted by ${signal}`));
  };
  process.on("SIGINT", handler);
  process.on("SIGTERM", handler);
  return {
    signalled: () => received,
    dispose: () => {
      process.off("SIGINT", handler);
      process.off("SIGTERM", handler);
    },
  };
}

export function exitCodeFor(signal: NodeJS.Signals): number {
  return signal === "SIGINT" ? 130 : 143;
}
