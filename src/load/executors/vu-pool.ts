import type { VirtualUser } from "../runtime/virtual-user.ts";

/**
 * The VUs one scenario may use: those initialized before the test plus, for arrival-rate
 * executors, up to `max` more initialized in the background when the idle ones run out.
 */
export class VuPool {
  readonly #idle: VirtualUser[];
  readonly #max: number;
  readonly #create: () => Promise<VirtualUser>;
  #size: number;
  #growing = 0;
  readonly #growth = new Set<Promise<void>>();

  constructor(initial: VirtualUser[], max: number, create: () => Promise<VirtualUser>) {
    this.#idle = [...initial];
    this.#size = initial.length;
    this.#max = max;
    this.#create = create;
  }

  get all(): number {
    return this.#size;
  }

  /** An idle VU, or undefined when all are busy (then one more starts initializing if allowed). */
  acquire(): VirtualUser | undefined {
    const vu = this.#idle.pop();
    if (vu) return vu;
    if (this.#size + this.#growing < this.#max) this.#grow();
    return undefined;
  }

  release(vu: VirtualUser): void {
    this.#idle.push(vu);
  }

  /** Waits for VUs still initializing, so none outlives the scenario unnoticed. */
  async settled(): Promise<void> {
    await Promise.allSettled([...this.#growth]);
  }

  #grow(): void {
    this.#growing++;
    const growth = this.#create().then(
      (vu) => {
        this.#size++;
        this.#idle.push(vu);
      },
      (error: unknown) => {
        process.stderr.write(`could not initialize another VU: ${error instanceof Error ? error.message : String(error)}\n`);
      },
    );
    const tracked = growth.finally(() => {
      this.#growing--;
      this.#growth.delete(tracked);
    });
    this.#growth.add(tracked);
  }
}
