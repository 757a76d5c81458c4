import { MatrixClient } from "../../client/client.ts";
import { registerWithDummyAuth, type RegisteredAccount } from "../../client/registration.ts";
import { plannedRequests, type WorkloadPlan } from "./plan.ts";

/** What the scale scenarios read (from a file only the bench can read): who acts, in which rooms. */
export interface SeededWorkload extends Pick<WorkloadPlan, "seed" | "scale"> {
  readonly subject: SeededUser;
  readonly largeRoomId: string;
  readonly roomIds: readonly string[];
  readonly syncers: readonly SeededUser[];
  readonly joiners: readonly SeededUser[];
}

export interface SeededUser {
  readonly userId: string;
  readonly accessToken: string;
  readonly localpart: string;
  readonly password: string;
}

export interface SeedOptions {
  readonly baseUrl: string;
  /** Requests in flight at once: enough to keep the homeserver busy, few enough not to queue for long. */
  readonly concurrency?: number;
  readonly signal?: AbortSignal;
  readonly progress?: (done: number, total: number) => void;
}

const REQUEST_TIMEOUT_MS = 60_000;

/** Runs `task` over `items` with at most `limit` at once; the first failure stops the rest. */
async function forEachBounded<T>(items: readonly T[], limit: number, signal: AbortSignal | undefined, task: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      signal?.throwIfAborted();
      const item = items[next++]!;
      await task(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

function seeded(account: RegisteredAccount): SeededUser {
  return { userId: account.userId, accessToken: account.accessToken, localpart: account.localpart, password: account.password };
}

/**
 * Creates the plan on a homeserver through the client-server API: registration (m.login.dummy),
 * createRoom, join, send. Rooms are created and joined before any message is sent; messages of
 * the large room go out in windows of `concurrency`, so only their order within a window may vary.
 */
export async function seedHomeserver(plan: WorkloadPlan, options: SeedOptions): Promise<SeededWorkload> {
  const concurrency = options.concurrency ?? 8;
  const { signal } = options;
  const total = plannedRequests(plan);
  let done = 0;
  const step = () => options.progress?.(++done, total);
  const register = async (localpart: string) => {
    const account = await registerWithDummyAuth(options.baseUrl, localpart, `pw-${localpart}`, REQUEST_TIMEOUT_MS);
    step();
    return account;
  };
  const accounts: RegisteredAccount[] = new Array(plan.users.length);
  await forEachBounded([...plan.users.keys()], concurrency, signal, async (i) => {
    accounts[i] = await register(plan.users[i]!);
  });
  const joiners: RegisteredAccount[] = new Array(plan.joiners.length);
  await forEachBounded([...plan.joiners.keys()], concurrency, signal, async (i) => {
    joiners[i] = await register(plan.joiners[i]!);
  });
  const clients = accounts.map((a) => new MatrixClient({ baseUrl: options.baseUrl, accessToken: a.accessToken, userId: a.userId, deviceId: a.deviceId, timeoutMs: REQUEST_TIMEOUT_MS }));
  const roomIds: string[] = new Array(plan.rooms.length);
  await forEachBounded([...plan.rooms.keys()], concurrency, signal, async (r) => {
    const room = plan.rooms[r]!;
    roomIds[r] = await clients[room.creator]!.mustCreateRoom({ preset: "public_chat", name: room.name });
    step();
  });
  const joins = plan.rooms.flatMap((room, r) => room.joiners.map((user) => ({ user, roomId: roomIds[r]! })));
  await forEachBounded(joins, concurrency, signal, async ({ user, roomId }) => {
    await clients[user]!.mustJoinRoom(roomId);
    step();
  });
  const [large, ...others] = plan.rooms;
  const smallMessages = others.flatMap((room, r) => room.messages.map((message) => ({ ...message, roomId: roomIds[r + 1]! })));
  await forEachBounded(smallMessages, concurrency, signal, async ({ sender, body, roomId }) => {
    await clients[sender]!.mustSendMessage(roomId, body);
    step();
  });
  const timeline = large!.messages;
  for (let start = 0; start < timeline.length; start += concurrency) {
    signal?.throwIfAborted();
    await Promise.all(
      timeline.slice(start, start + concurrency).map(async ({ sender, body }) => {
        await clients[sender]!.mustSendMessage(roomIds[0]!, body);
        step();
      }),
    );
  }
  for (const client of clients) client.close();
  return {
    seed: plan.seed,
    scale: plan.scale,
    subject: seeded(accounts[0]!),
    largeRoomId: roomIds[0]!,
    roomIds,
    syncers: plan.syncers.map((i) => seeded(accounts[i]!)),
    joiners: joiners.map(seeded),
  };
}
