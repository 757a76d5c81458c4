// Back-pagination (GET /rooms/{roomId}/messages, dir=b) through the seeded large room's deep
// timeline: setup() walks the whole history once and keeps every page's token; each measured
// request then fetches the page at one of those depths, so every depth is measured alike.
import { check } from "k6";
import exec from "k6/execution";
import { Trend } from "k6/metrics";
import type { Options } from "k6/options";
import { messagesPage } from "./lib/matrix.ts";
import { numberParameter } from "./lib/parameters.ts";
import { arrivals, readWorkload } from "./lib/workload.ts";

const workload = readWorkload();
const PAGE = numberParameter("GAUNTLET_PAGE_SIZE", 50);
const pageDuration = new Trend("scale_messages_page", true);

export const options: Options = { setupTimeout: "10m", scenarios: { messages: arrivals("backPaginate") } };

export async function setup(): Promise<{ tokens: (string | null)[] }> {
  const tokens: (string | null)[] = [];
  let from: string | undefined;
  // Bounded: the timeline is workload.scale.timeline events deep, plus the room's creation events.
  for (let page = 0; page < Math.ceil(workload.scale.timeline / PAGE) + 10; page++) {
    const { response, chunk, end } = await messagesPage(workload.subject, workload.largeRoomId, from, PAGE);
    if (response.status !== 200) throw new Error(`paging back through ${workload.largeRoomId}: HTTP ${response.status}: ${String(response.body).slice(0, 200)}`);
    // Only tokens whose page holds events: the one past the room's creation answers an empty chunk.
    if (chunk.length === 0) break;
    tokens.push(from ?? null);
    if (!end) break;
    from = end;
  }
  return { tokens };
}

export async function backPaginate(data: { tokens: (string | null)[] }): Promise<void> {
  const token = data.tokens[exec.scenario.iterationInTest % data.tokens.length];
  const { response, chunk } = await messagesPage(workload.subject, workload.largeRoomId, token ?? undefined, PAGE);
  pageDuration.add(response.timings.duration);
  check(chunk, { "a page of the room's history": (c) => response.status === 200 && c.length > 0 });
}

export default backPaginate;
