// The least a Node process can spend to keep a constant arrival rate of HTTP/1.1 requests on
// keep-alive sockets: one timer per due request, one write, one read, no parsing or metrics. The
// load engine's CPU share at the same rate is judged against this floor (perf/engine.ts).
//   node perf/socket-floor.ts URL RATE SECONDS    → prints {"cpuShare":…, "completed":…}
// With `timers` for URL it keeps only the timer: the cost of being woken RATE times a second
// with nothing to do, which on a virtual machine is most of the floor.
import { connect, type Socket } from "node:net";

const [url, rateText, secondsText] = process.argv.slice(2);
const timersOnly = url === "timers";
const { hostname, port } = timersOnly ? { hostname: "-", port: "0" } : new URL(url ?? "");
const rate = Number(rateText);
const seconds = Number(secondsText);
if (!hostname || !(rate > 0) || !(seconds > 0)) throw new Error("usage: socket-floor.ts URL|timers RATE SECONDS");

const request = `GET / HTTP/1.1\r\nhost: ${hostname}:${port}\r\n\r\n`;
const idle: Socket[] = [];
let completed = 0;

function send(): void {
  if (timersOnly) return void completed++;
  const socket = idle.pop();
  if (socket) return void socket.write(request);
  const fresh = connect({ host: hostname, port: Number(port) });
  fresh.setNoDelay(true);
  // The trivial endpoint's response fits one read; a read is a whole response.
  fresh.on("data", () => {
    completed++;
    idle.push(fresh);
  });
  fresh.once("connect", () => fresh.write(request));
}

const startedAt = performance.now();
const cpuBefore = process.cpuUsage();
let due = 0;
function tick(): void {
  const now = performance.now();
  while (startedAt + (due * 1000) / rate <= now) {
    send();
    due++;
  }
  if (now - startedAt < seconds * 1000) return void setTimeout(tick, Math.max(0, startedAt + (due * 1000) / rate - performance.now()));
  const cpu = process.cpuUsage(cpuBefore);
  const wallMs = performance.now() - startedAt;
  console.log(JSON.stringify({ cpuShare: (cpu.user + cpu.system) / 1000 / wallMs, completed }));
  process.exit(0);
}
tick();
