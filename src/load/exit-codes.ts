/** The process exit codes k6 uses, which the node engine uses too, so callers read both alike. */
export const K6_EXIT_CODE = {
  ok: 0,
  thresholdsFailed: 99,
  setupTimeout: 100,
  teardownTimeout: 101,
  invalidConfig: 104,
  externalAbort: 105,
  scriptException: 107,
  scriptAborted: 108,
  markedAsFailed: 110,
} as const;
