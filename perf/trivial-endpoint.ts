// A trivial HTTP endpoint for load-engine benchmarks, in its own process so that it does not
// share a core or an event loop with the load generator; prints its URL on stdout.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";

const body = JSON.stringify({ ok: true });
const server = createServer((request, response) => {
  request.resume();
  response.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(body) });
  response.end(body);
});
server.keepAliveTimeout = 60_000;
server.listen(0, "127.0.0.1", () => {
  process.stdout.write(`http://127.0.0.1:${(server.address() as AddressInfo).port}\n`);
});
process.on("SIGTERM", () => server.close(() => process.exit(0)));
