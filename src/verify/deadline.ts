/** The run's overall time limit: every request, handshake and lookup takes at most what is left of it. */
export class RunDeadline {
  readonly totalMs: number;
  readonly #endsAt: number;

  constructor(totalMs: number, now = performance.now()) {
    this.totalMs = totalMs;
    this.#endsAt = now + totalMs;
  }

  get remainingMs(): number {
    return Math.max(0, this.#endsAt - performance.now());
  }

  get expired(): boolean {
    return this.remainingMs <= 0;
  }

  /** The time one step may take: its own limit, cut to what is left of the run. */
  budget(stepMs: number): { ms: number; cutByRun: boolean } {
    const remaining = Math.floor(this.remainingMs);
    return remaining < stepMs ? { ms: remaining, cutByRun: true } : { ms: stepMs, cutByRun: false };
  }

  /** Why a step stopped: its own limit or the run's. */
  describe(stepMs: number, cutByRun: boolean): string {
    return cutByRun ? `the run's deadline of ${this.totalMs / 1000} s` : `${stepMs} ms`;
  }
}

/** Thrown instead of starting work once the run's deadline has passed. */
export class DeadlineReached extends Error {
  constructor(deadline: RunDeadline, what: string) {
    super(`${what} not attempted: the run's deadline of ${deadline.totalMs / 1000} s has passed`);
    this.name = "DeadlineReached";
  }
}

/** Settles with `work`, or rejects with `message` after `ms`; for waits that cannot be cancelled (the system resolver). */
export function withinMs<T>(work: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms);
  });
  return Promise.race([work, limit]).finally(() => clearTimeout(timer));
}
