import { readFile } from 'node:fs/promises';
import { DECODER_VERSION } from '../activities/decoded-fit.js';
import { countFitActivities, type DecodedRow, undecodedActivities, upsertDecoded } from '../repositories/activity-decoded.js';
import { zeroCounts } from '../sync/kind-counts.js';
import type { Rebuilder } from './rebuilder.js';

/** Activities decoded per transaction (their records blobs are held until it commits). */
const PER_TRANSACTION = 50;

/**
 * Activities: decodes every stored FIT file that has no decoded data, or data from another file or
 * an older decoder (DECODER_VERSION) — files stored before decoding existed. A file missing from
 * the FIT store is left as it is (nothing to decode; the next sync downloads it again).
 */
export const activitiesRebuilder: Rebuilder = {
  name: 'activities',
  unit: 'activities',
  async rebuild({ db, fitStore, decoder }, userId) {
    const counts = zeroCounts();
    const total = await countFitActivities(db, userId);
    for (let after = ''; ; ) {
      const todo = await undecodedActivities(db, userId, DECODER_VERSION, after, PER_TRANSACTION);
      if (todo.length === 0) break;
      after = todo[todo.length - 1]!.activity_id;
      // The batch's files are decoded in parallel by the decode threads (at most PER_TRANSACTION in flight).
      const decoded = await Promise.all(
        todo.map(async (t): Promise<DecodedRow | null> => {
          const bytes = await readFile(fitStore.pathOf(t.fit_sha256)).catch(() => null);
          if (!bytes) return null;
          counts[Number(t.decoded) ? 'updated' : 'new']++;
          return { activityId: t.activity_id, fitSha256: t.fit_sha256, decoded: await decoder.decode(bytes) };
        }),
      );
      const rows = decoded.filter((r): r is DecodedRow => r !== null);
      await db.transaction((tx) => upsertDecoded(tx, userId, rows));
    }
    counts.unchanged = total - counts.new - counts.updated;
    return counts;
  },
};
