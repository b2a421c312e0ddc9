/** A FIFO async mutex: one holder at a time, others wait in order. */
export class Mutex {
  private tail: Promise<void> = Promise.resolve();
  /** Holders and waiters. */
  private pending = 0;

  /** True when nobody holds the mutex or waits for it: a synchronous step may run at once. */
  get idle(): boolean {
    return this.pending === 0;
  }

  /** Runs `fn` once every earlier holder has finished. */
  async run<T>(fn: () => Promise<T> | T): Promise<T> {
    this.pending++;
    const prev = this.tail;
    let release!: () => void;
    this.tail = new Promise<void>((r) => {
      release = r;
    });
    await prev;
    try {
      return await fn();
    } finally {
      this.pending--;
      release();
    }
  }
}
