export { verifyDeployment } from "./run.ts";
export { formatTerminal } from "./output/terminal.ts";
export { formatJson } from "./output/json.ts";
export { formatJunit } from "./output/junit.ts";
export type { CheckResult, CheckStatus, VerifyOptions, VerifyReport, VerifySummary } from "./types.ts";
