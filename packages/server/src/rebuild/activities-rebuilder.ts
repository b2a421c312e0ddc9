import { decodeStoredFits } from '../activities/decode-stored.js';
import { countFitActivities } from '../repositories/activity-decoded.js';
import { zeroCounts } from '../sync/kind-counts.js';
import type { Rebuilder } from './rebuilder.js';

/**
 * Activities: decodes every stored FIT file that has no decoded data, or data from another file or
 * an older decoder (DECODER_VERSION) — files stored before decoding existed, or by an import.
 */
export const activitiesRebuilder: Rebuilder = {
  name: 'activities',
  unit: 'activities',
  async rebuild(stores, userId) {
    const total = await countFitActivities(stores.db, userId);
    const { new: added, updated } = await decodeStoredFits(stores, userId);
    return { ...zeroCounts(), new: added, updated, unchanged: total - added - updated };
  },
};
