import type { Runtime } from '@fitsync/runtime';

export interface PeriodicLoopOptions {
  /** The clock of the waits (FakeRuntime in tests). */
  runtime: Pick<Runtime, 'sleep'>;
  /** Time between the end of one round and the start of the next; 0 or less: `start` does nothing. */
  everyMs: number;
  /** One round; the signal is aborted by `stop` (a round may end early on it). */
  round: (signal: AbortSignal) => Promise<unknown>;
  /** A round that threw: logged by the owner, and the loop goes on. */
  failed: (err: unknown) => void;
}

/**
 * A background task of the server (token keeper, blob collector, purger): a round at `start`, then
 * one every `everyMs` until `stop`, which waits for the round in progress.
 */
export class PeriodicLoop {
  private stopper: AbortController | null = null;
  private loop: Promise<void> | null = null;

  constructor(private readonly o: PeriodicLoopOptions) {}

  start(): void {
    if (this.loop || this.o.everyMs <= 0) return;
    const ac = new AbortController();
    this.stopper = ac;
    this.loop = (async () => {
      while (!ac.signal.aborted) {
        await this.o.round(ac.signal).catch(this.o.failed);
        await this.o.runtime.sleep(this.o.everyMs, ac.signal).catch(() => {});
      }
    })();
  }

  async stop(): Promise<void> {
    this.stopper?.abort();
    await this.loop;
    this.loop = null;
  }
}
