/** Options of the batch that closes a pass (e.g. the cursor written with the last rows). */
export interface FinalBatch {
  cursor?: string;
}

/**
 * Collects items and hands them to `commit` (one transaction each) in batches of up to
 * `maxBatch`, at least every `maxDelayMs`; commits run one at a time. `close(final)` commits the
 * rest as the pass's last batch.
 */
export class BatchWriter<T> {
  private items: T[] = [];
  private timer: NodeJS.Timeout | null = null;
  private chain: Promise<void> = Promise.resolve();
  private failure: { err: unknown } | null = null;

  constructor(
    private readonly commit: (items: T[], final: FinalBatch | null) => Promise<void>,
    private readonly maxBatch = 100,
    // A memory and latency bound for buffered rows, not a time rule: real timers are fine here.
    private readonly maxDelayMs = 250,
  ) {}

  add(item: T): void {
    if (this.failure) throw this.failure.err;
    this.items.push(item);
    if (this.items.length >= this.maxBatch) this.flush(null);
    else if (!this.timer) this.timer = setTimeout(() => this.flush(null), this.maxDelayMs);
  }

  private flush(final: FinalBatch | null): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const batch = this.items;
    this.items = [];
    if (batch.length === 0 && !final) return this.chain;
    this.chain = this.chain.then(async () => {
      if (this.failure) return;
      try {
        await this.commit(batch, final);
      } catch (err) {
        this.failure = { err };
      }
    });
    return this.chain;
  }

  /** Commits what is left as the last batch (with `final`); rethrows any commit failure. */
  async close(final: FinalBatch = {}): Promise<void> {
    await this.flush(final);
    if (this.failure) throw this.failure.err;
  }

  /**
   * Commits what is buffered (not as the last batch) and waits: a job handed back keeps what it
   * already fetched. Rethrows any commit failure.
   */
  async commitPending(): Promise<void> {
    await this.flush(null);
    if (this.failure) throw this.failure.err;
  }

  /** Drops pending items and waits for a commit in progress (on failure or stop). */
  async abandon(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.items = [];
    await this.chain;
  }
}
