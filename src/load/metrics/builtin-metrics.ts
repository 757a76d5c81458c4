import type { Metric, MetricRegistry } from "./registry.ts";

/** The metrics k6 emits by itself, declared up front so thresholds can name them. */
export interface BuiltinMetrics {
  readonly vus: Metric;
  readonly vusMax: Metric;
  readonly iterations: Metric;
  readonly iterationDuration: Metric;
  readonly droppedIterations: Metric;
  readonly dataReceived: Metric;
  readonly dataSent: Metric;
  readonly checks: Metric;
  readonly groupDuration: Metric;
  readonly httpReqs: Metric;
  readonly httpReqFailed: Metric;
  readonly httpReqDuration: Metric;
  readonly httpReqBlocked: Metric;
  readonly httpReqConnecting: Metric;
  readonly httpReqTlsHandshaking: Metric;
  readonly httpReqSending: Metric;
  readonly httpReqWaiting: Metric;
  readonly httpReqReceiving: Metric;
}

export function declareBuiltinMetrics(registry: MetricRegistry): BuiltinMetrics {
  return {
    vus: registry.declare("vus", "gauge"),
    vusMax: registry.declare("vus_max", "gauge"),
    iterations: registry.declare("iterations", "counter"),
    iterationDuration: registry.declare("iteration_duration", "trend", true),
    droppedIterations: registry.declare("dropped_iterations", "counter"),
    dataReceived: registry.declare("data_received", "counter"),
    dataSent: registry.declare("data_sent", "counter"),
    checks: registry.declare("checks", "rate"),
    groupDuration: registry.declare("group_duration", "trend", true),
    httpReqs: registry.declare("http_reqs", "counter"),
    httpReqFailed: registry.declare("http_req_failed", "rate"),
    httpReqDuration: registry.declare("http_req_duration", "trend", true),
    httpReqBlocked: registry.declare("http_req_blocked", "trend", true),
    httpReqConnecting: registry.declare("http_req_connecting", "trend", true),
    httpReqTlsHandshaking: registry.declare("http_req_tls_handshaking", "trend", true),
    httpReqSending: registry.declare("http_req_sending", "trend", true),
    httpReqWaiting: registry.declare("http_req_waiting", "trend", true),
    httpReqReceiving: registry.declare("http_req_receiving", "trend", true),
  };
}
