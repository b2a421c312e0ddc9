import type { SyncType } from '@fitsync/api/codes';
import type { GarminApi, GarminCallOptions } from '@fitsync/garmin';
import type { Clock } from '../clock.js';
import type { Db, Queryable } from '../db/db.js';
import { SyncAborted, throwIfStopped } from './abortable.js';
import type { FitStore } from './fit-store.js';
import type { ProgressTracker, SyncPart } from './progress.js';
import type { UpstreamLimiter } from './upstream-limiter.js';

/** What a job asks for. */
export interface SyncJobSpec {
  jobId: string;
  userId: string;
  syncType: SyncType;
  /** YYYY-MM-DD, inclusive */
  since: string | null;
  /** YYYY-MM-DD, inclusive */
  until: string | null;
  full: boolean;
}

/** Everything a phase needs while one job runs. */
export interface SyncRun {
  spec: SyncJobSpec;
  db: Db;
  clock: Clock;
  fitStore: FitStore;
  /** The user's Garmin client (tokens persisted and reauth marked by the connection service). */
  api: GarminApi;
  limiter: UpstreamLimiter;
  progress: ProgressTracker;
  signal: AbortSignal;
  /** Parallel item work (downloads) per job; the limiter bounds the Garmin calls themselves. */
  concurrency: number;
  /** The Garmin display name wellness paths need. */
  displayName(): Promise<string>;
  /** Records, inside `tx`, that a phase finished (so a resumed job skips it). */
  markPhaseDone(tx: Queryable, part: SyncPart): Promise<void>;
}

/** A step of the sync failed; `step` says what was being done, for the job's error_message. */
export class SyncStepError extends Error {
  override name = 'SyncStepError';
  constructor(
    readonly step: string,
    override readonly cause: unknown,
  ) {
    super(`${step}: ${cause instanceof Error ? cause.message : String(cause)}`);
  }
}

/** Runs `fn`, labelling any failure (other than a stop) with what was being done. */
export async function step<T>(what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof SyncAborted || err instanceof SyncStepError) throw err;
    throw new SyncStepError(what, err);
  }
}

/**
 * One Garmin call through the job's limiter, labelled for error messages. `fn` must pass `call`
 * (the job's signal) to the API method: a cancel, shutdown or lost lease then closes the socket.
 */
export function garminCall<T>(
  run: SyncRun,
  what: string,
  fn: (api: GarminApi, call: GarminCallOptions) => Promise<T>,
): Promise<T> {
  return step(what, () => run.limiter.run((signal) => fn(run.api, { signal })));
}

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

/**
 * Collects rows and writes them in transactions of up to `maxBatch` rows, at least every
 * `maxDelayMs`; writes run one at a time. `close(final)` writes the rest together with `final`
 * (e.g. the cursor) in one transaction.
 */
export class BatchWriter<T> {
  private items: T[] = [];
  private timer: NodeJS.Timeout | null = null;
  private chain: Promise<void> = Promise.resolve();
  private failure: { err: unknown } | null = null;

  constructor(
    private readonly db: Db,
    private readonly write: (tx: Queryable, items: T[]) => Promise<void>,
    private readonly after: (items: T[]) => void,
    private readonly maxBatch = 100,
    private readonly maxDelayMs = 250,
  ) {}

  add(item: T): void {
    if (this.failure) throw this.failure.err;
    this.items.push(item);
    if (this.items.length >= this.maxBatch) this.flush();
    else if (!this.timer) this.timer = setTimeout(() => this.flush(), this.maxDelayMs);
  }

  private flush(final?: (tx: Queryable) => Promise<void>): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const batch = this.items;
    this.items = [];
    if (batch.length === 0 && !final) return this.chain;
    this.chain = this.chain.then(async () => {
      if (this.failure) return;
      try {
        await this.db.transaction(async (tx) => {
          if (batch.length) await this.write(tx, batch);
          if (final) await final(tx);
        });
        this.after(batch);
      } catch (err) {
        this.failure = { err };
      }
    });
    return this.chain;
  }

  /** Writes what is left (with `final` in the same transaction); rethrows any write failure. */
  async close(final?: (tx: Queryable) => Promise<void>): Promise<void> {
    await this.flush(final ?? (async () => {}));
    if (this.failure) throw this.failure.err;
  }

  /** Drops pending rows and waits for a write in progress (on failure or stop). */
  async abandon(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.items = [];
    await this.chain;
  }
}
