import { createServer } from "node:http";
import type { AddressInfo } from "node:net";

/** A loopback HTTP server for engine tests: records when requests arrive and can hold replies. */
export interface TestServer {
  readonly url: string;
  /** performance.now() of each request's arrival, in order. */
  readonly arrivals: number[];
  /** The path of each request, in order of arrival. */
  readonly paths: string[];
  close(): Promise<void>;
}

export interface TestServerOptions {
  readonly status?: number;
  /** Every reply waits this long. */
  readonly delayMs?: number;
  /** From the `afterRequests`-th request on, the server answers nothing for `forMs`, then all at once. */
  readonly stall?: { readonly afterRequests: number; readonly forMs: number };
}

export async function startTestServer(options: TestServerOptions = {}): Promise<TestServer> {
  const arrivals: number[] = [];
  const paths: string[] = [];
  let heldUntil = 0;
  const server = createServer((request, response) => {
    arrivals.push(performance.now());
    paths.push(request.url ?? "");
    if (options.stall && arrivals.length === options.stall.afterRequests) heldUntil = performance.now() + options.stall.forMs;
    request.resume();
    const reply = (): void => {
      response.writeHead(options.status ?? 200, { "content-type": "application/json" });
      response.end(JSON.stringify({ ok: true, path: request.url }));
    };
    const wait = Math.max(options.delayMs ?? 0, heldUntil - performance.now());
    if (wait > 0) setTimeout(reply, wait);
    else reply();
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    arrivals,
    paths,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
