export { MatrixClient, newTxnId, DEFAULT_REQUEST_TIMEOUT_MS, type MatrixResponse, type CreateRoomRequest, type SyncParams } from "./client.ts";
export { endpoints } from "./endpoints.ts";
export { endpointName, type Endpoint } from "./endpoint.ts";
export * from "./errors.ts";
export { ExchangeLog, describeExchange, type Exchange } from "./exchange.ts";
export { expectMatrixError, expectShape, expectStatus, MatrixAssertionError } from "./matchers.ts";
export { redactJson, redactText, registerSecret } from "./redact.ts";
export { registerWithDummyAuth, type RegisteredAccount } from "./registration.ts";
export * from "./sync.ts";
