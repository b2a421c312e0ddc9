import type { FitDecodePool } from '../activities/decode-pool.js';
import type { Db } from '../db/db.js';
import type { FitBlobs } from '../blobs/blob-store.js';
import type { Counts } from '../sync/kind-counts.js';

/** What a rebuild reads and writes: the database and the stored FIT files, and the decoder of those. */
export interface RebuildStores {
  db: Db;
  fitStore: FitBlobs;
  decoder: FitDecodePool;
}

/**
 * One kind of typed data that `fitsync-server rebuild` re-derives from what the server stored
 * verbatim (raw Garmin answers; FIT files next), never calling Garmin. Joining the rebuild = one
 * module implementing this and one line in `REBUILDERS` (rebuilders.ts).
 */
export interface Rebuilder {
  /** The data kind's name (as in sync counts). */
  readonly name: string;
  /** What its counts count, for the summary line ("days", "activities"). */
  readonly unit: string;
  /** Re-derives one user's rows; `new`/`updated` = rows the stored rows lacked or differed from. */
  rebuild(stores: RebuildStores, userId: string, now: number): Promise<Counts>;
}
