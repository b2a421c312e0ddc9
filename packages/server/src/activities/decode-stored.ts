import type { Db } from '../db/db.js';
import { type DecodedRow, undecodedActivities, upsertDecoded } from '../repositories/activity-decoded.js';
import { throwIfStopped } from '../sync/abortable.js';
import type { FitBlobs } from '../blobs/blob-store.js';
import type { FitDecodePool } from './decode-pool.js';
import { DECODER_VERSION } from './decoded-fit.js';

/** Activities decoded per transaction (their records blobs are held until it commits). */
const PER_TRANSACTION = 50;

export interface DecodeStores {
  db: Db;
  fitStore: FitBlobs;
  decoder: FitDecodePool;
}

/**
 * Decodes every stored FIT file of the user that has no decoded data, or data from another file or
 * an older decoder (DECODER_VERSION). A file missing from the FIT store is left as it is (nothing to
 * decode; the next sync downloads it again). Used by `fitsync-server rebuild` and by the decode
 * backlog that follows an import. Returns how many were decoded for the first time / again.
 */
export async function decodeStoredFits(s: DecodeStores, userId: string, signal?: AbortSignal): Promise<{ new: number; updated: number }> {
  const counts = { new: 0, updated: 0 };
  for (let after = ''; ; ) {
    if (signal) throwIfStopped(signal);
    const todo = await undecodedActivities(s.db, userId, DECODER_VERSION, after, PER_TRANSACTION);
    if (todo.length === 0) break;
    after = todo[todo.length - 1]!.activity_id;
    // The batch's files are decoded in parallel by the decode threads (at most PER_TRANSACTION in flight).
    const decoded = await Promise.all(
      todo.map(async (t): Promise<DecodedRow | null> => {
        const bytes = await s.fitStore.read(t.fit_sha256).catch(() => null);
        if (!bytes) return null;
        counts[Number(t.decoded) ? 'updated' : 'new']++;
        return { activityId: t.activity_id, fitSha256: t.fit_sha256, decoded: await s.decoder.decode(bytes) };
      }),
    );
    const rows = decoded.filter((r): r is DecodedRow => r !== null);
    await s.db.transaction((tx) => upsertDecoded(tx, userId, rows));
  }
  return counts;
}
