import { FakeRuntime } from '@fitsync/runtime/fake';

const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * A FakeRuntime a test can leave running on its own: `drive(work)` moves the runtime to the next
 * sleep's deadline whenever the code under test is parked in a sleep, and lets real I/O (stub
 * servers on port 0) run in between. So backoff, polling and reconnect waits cost no real time,
 * and the runtime reads exactly the sum of the waits.
 */
export class DrivenRuntime extends FakeRuntime {
  #deadlines: number[] = [];

  constructor(start = Date.parse('2026-06-01T12:00:00Z')) {
    super({ now: start });
  }

  override sleep(ms: number, signal?: AbortSignal): Promise<void> {
    this.#deadlines.push(this.now() + Math.max(0, ms));
    return super.sleep(ms, signal);
  }

  /** Resolves (or rejects) as `work` does, advancing the runtime whenever `work` is asleep. */
  async drive<T>(work: Promise<T>): Promise<T> {
    let done = false;
    const watched = work.finally(() => {
      done = true;
    });
    watched.catch(() => {});
    while (!done) {
      await turn();
      if (done) break;
      if (this.pending === 0) {
        // Waiting on real I/O, not on time.
        await new Promise((r) => setTimeout(r, 1));
        continue;
      }
      const now = this.now();
      // Deadlines up to now were woken by the last advance (a sleep(0) since then is woken by any advance).
      this.#deadlines = this.#deadlines.filter((d) => d > now);
      const next = Math.min(...this.#deadlines);
      await this.advance(Number.isFinite(next) ? next - now : 0);
    }
    return work;
  }
}
