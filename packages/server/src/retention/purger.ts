import type { Runtime } from '@fitsync/runtime';
import type { FastifyBaseLogger } from 'fastify';
import type { Db } from '../db/db.js';
import type { Counter, Metrics } from '../metrics.js';
import { deleteJobs, findOldJobs } from './old-jobs.js';
import { authRules, purgeBatch } from './purge-rules.js';
import { PeriodicLoop } from '../jobs/periodic-loop.js';

export interface PurgerDeps {
  db: Db;
  runtime: Runtime;
  metrics: Metrics;
  log?: Pick<FastifyBaseLogger, 'info' | 'warn'>;
  /** FITSYNC_PURGE_EVERY; 0 or less: `start()` runs nothing (tests call `runOnce`). */
  everyMs: number;
  /** FITSYNC_JOB_RETENTION. */
  jobRetentionMs: number;
  accessTtlMs: number;
  refreshTtlMs: number;
  throttleWindowMs: number;
  /** Rows per DELETE (default 1000): each statement is short, so a big purge never holds a lock for long. */
  batch?: number;
}

/** Rows purged in one run, by kind (the `kind` label of fitsync_purged_rows_total). */
export type PurgeCounts = Record<string, number>;

/**
 * Retention (product.md Part 2 §F): expired MFA and Garmin challenges, spent and expired refresh
 * tokens, dead sessions, ended throttle windows and back-offs, and finished jobs older than
 * FITSYNC_JOB_RETENTION. Every instance may run it (deletes are idempotent); each kind is deleted
 * in bounded batches with a turn of the event loop between them.
 */
export class Purger {
  private readonly purged: Counter;
  private readonly batch: number;
  private readonly loop: PeriodicLoop;

  constructor(private readonly d: PurgerDeps) {
    this.batch = d.batch ?? 1000;
    this.purged = d.metrics.counter('fitsync_purged_rows_total', 'Rows removed by retention, by kind.');
    this.loop = new PeriodicLoop({
      runtime: d.runtime,
      everyMs: d.everyMs,
      round: (signal) => this.runOnce(signal),
      failed: (err) => d.log?.warn({ errType: (err as Error)?.name }, 'purge failed'),
    });
  }

  /** Runs a purge now and then every `everyMs` until `stop()`. */
  start(): void {
    this.loop.start();
  }

  /** Stops the loop; a run in progress ends after its current batch. */
  stop(): Promise<void> {
    return this.loop.stop();
  }

  /** One purge of every kind; returns the counts (kinds with nothing purged are absent). */
  async runOnce(signal?: AbortSignal): Promise<PurgeCounts> {
    const now = this.d.runtime.now();
    const counts: PurgeCounts = {};
    const add = (kind: string, n: number) => {
      if (n === 0) return;
      counts[kind] = (counts[kind] ?? 0) + n;
      this.purged.inc({ kind }, n);
    };
    // Jobs first: nothing below depends on them, and they are the bulk.
    for (;;) {
      if (signal?.aborted) return this.report(counts);
      const ids = await findOldJobs(this.d.db, now - this.d.jobRetentionMs, this.batch);
      const n = await deleteJobs(this.d.db, ids);
      add('sync_jobs', n.jobs);
      add('imports', n.imports);
      if (ids.length < this.batch) break;
      await yieldTurn();
    }
    const rules = authRules({
      now,
      accessTtlMs: this.d.accessTtlMs,
      refreshTtlMs: this.d.refreshTtlMs,
      throttleWindowMs: this.d.throttleWindowMs,
    });
    for (const rule of rules) {
      for (;;) {
        if (signal?.aborted) return this.report(counts);
        const n = await purgeBatch(this.d.db, rule, this.batch);
        add(rule.kind, n);
        if (n < this.batch) break;
        await yieldTurn();
      }
    }
    return this.report(counts);
  }

  private report(counts: PurgeCounts): PurgeCounts {
    if (Object.keys(counts).length > 0) this.d.log?.info({ purged: counts }, 'purged expired rows');
    return counts;
  }
}

/** Lets requests waiting on the database (the SQLite mutex) go between two batches. */
function yieldTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
