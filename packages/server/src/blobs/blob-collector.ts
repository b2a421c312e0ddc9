import type { Runtime } from '@fitsync/runtime';
import type { Db } from '../db/db.js';
import { collectRawBlobs } from '../health/raw-blobs.js';
import type { Log } from '../log.js';
import type { Counter, Metrics } from '../metrics.js';
import type { BlobStore, GcCounts } from './blob-store.js';
import { collectLocalScratch } from './local-scratch.js';
import { PeriodicLoop } from '../jobs/periodic-loop.js';

export interface BlobCollectorDeps {
  db: Db;
  blobs: BlobStore;
  /** This instance's data dir: its local import scratch is collected too. */
  dataDir: string;
  runtime: Runtime;
  metrics: Metrics;
  /** FITSYNC_BLOB_GC_EVERY; 0: `start()` runs nothing (tests call `runOnce`). */
  everyMs: number;
  /** FITSYNC_BLOB_GC_GRACE: nothing younger is collected (a job may not have committed its row yet). */
  graceMs: number;
  log?: Pick<Log, 'info' | 'warn'>;
}

/** What one round removed, by kind (the metric's `kind` label). */
export type CollectRound = GcCounts & { raw: number };

/**
 * Collects orphaned blobs (product.md Part 2 §F): FIT files no activity names, uploads no live
 * import names, raw Garmin answers no raw row names, and partial writes a crash left, each only
 * once older than the grace period. Every instance may run it: each step is safe against puts and
 * against another collector. Counted in `fitsync_blob_gc_removed_total{kind}`.
 */
export class BlobCollector {
  private readonly removed: Counter;
  private readonly loop: PeriodicLoop;

  constructor(private readonly d: BlobCollectorDeps) {
    this.removed = d.metrics.counter('fitsync_blob_gc_removed_total', 'Orphaned blobs the collector removed, by kind (fit, upload, raw, partial).');
    this.loop = new PeriodicLoop({
      runtime: d.runtime,
      everyMs: d.everyMs,
      round: () => this.runOnce(),
      failed: (err) => d.log?.warn({ errType: (err as Error)?.name }, 'blob collection failed'),
    });
  }

  /** Runs a round now and then every `everyMs` until `stop()`. */
  start(): void {
    this.loop.start();
  }

  stop(): Promise<void> {
    return this.loop.stop();
  }

  async runOnce(): Promise<CollectRound> {
    const cutoff = this.d.runtime.now() - this.d.graceMs;
    const counts = await this.d.blobs.collect(this.d.db, cutoff);
    counts.partial += await collectLocalScratch(this.d.db, this.d.dataDir, cutoff);
    const round: CollectRound = { ...counts, raw: await collectRawBlobs(this.d.db, cutoff) };
    for (const [kind, n] of Object.entries(round)) if (n > 0) this.removed.inc({ kind }, n);
    if (round.fit + round.upload + round.partial + round.raw > 0) this.d.log?.info({ ...round }, 'orphaned blobs collected');
    return round;
  }
}
