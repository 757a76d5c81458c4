/** What a waiter on a recorder is told when nothing matching arrived in time. */
export type WaitFailure = (timeoutMs: number) => string;

interface Waiter<T> {
  check(): void;
  fail(error: Error): void;
}

/**
 * What an in-process counterpart of the homeserver (federation peer, application service, mail
 * sink) received, in arrival order, with waits that resolve on the first matching item, already
 * recorded or arriving later, and reject at a deadline saying what did arrive.
 */
export class Recorder<T> {
  readonly #items: T[] = [];
  readonly #waiters = new Set<Waiter<T>>();
  #closedLater: string | undefined;

  get items(): readonly T[] {
    return this.#items;
  }

  record(item: T): void {
    this.#items.push(item);
    for (const waiter of [...this.#waiters]) waiter.check();
  }

  /** Waits for an item `predicate` accepts; `failure` says what was awaited and what came instead. */
  waitFor(predicate: (item: T) => boolean, timeoutMs: number, failure: WaitFailure): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      let checked = 0;
      const finish = () => {
        clearTimeout(timer);
        this.#waiters.delete(waiter);
      };
      const waiter: Waiter<T> = {
        check: () => {
          try {
            for (; checked < this.#items.length; checked++) {
              const item = this.#items[checked] as T;
              if (predicate(item)) {
                finish();
                return resolve(item);
              }
            }
          } catch (error) {
            finish();
            reject(error as Error);
          }
        },
        fail: (error) => {
          finish();
          reject(error);
        },
      };
      const timer = setTimeout(() => waiter.fail(new Error(failure(timeoutMs))), timeoutMs);
      this.#waiters.add(waiter);
      waiter.check();
      if (this.#closedLater !== undefined && this.#waiters.has(waiter)) waiter.fail(new Error(this.#closedLater));
    });
  }

  /** Rejects pending waits with `pending`, and later ones no recorded item satisfies with `later`: nothing more will arrive. */
  close(pending: string, later = pending): void {
    this.#closedLater = later;
    for (const waiter of [...this.#waiters]) waiter.fail(new Error(pending));
  }
}
