import { throwIfStopped } from './abortable.js';

/**
 * Runs submitted tasks with bounded parallelism. `submit` waits while the pool is full (so a
 * producer never races ahead of the work: memory stays flat); the first failure is rethrown by
 * the next `submit` or by `drain`.
 */
export class TaskPool {
  private running = new Set<Promise<void>>();
  private failure: { err: unknown } | null = null;

  constructor(
    private readonly limit: number,
    private readonly signal: AbortSignal,
  ) {}

  async submit(task: () => Promise<void>): Promise<void> {
    this.check();
    while (this.running.size >= this.limit) {
      await Promise.race(this.running);
      this.check();
    }
    const p: Promise<void> = task()
      .catch((err: unknown) => {
        if (!this.failure) this.failure = { err };
      })
      .finally(() => {
        this.running.delete(p);
      });
    this.running.add(p);
  }

  async drain(): Promise<void> {
    while (this.running.size > 0) await Promise.race(this.running);
    this.check();
  }

  private check(): void {
    if (this.failure) throw this.failure.err;
    throwIfStopped(this.signal);
  }
}
