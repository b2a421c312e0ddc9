import type { Counts } from '../sync/kind-counts.js';
import { activitiesRebuilder } from './activities-rebuilder.js';
import { healthRebuilder } from './health-rebuilder.js';
import type { RebuildStores, Rebuilder } from './rebuilder.js';

/** Everything `fitsync-server rebuild` re-derives, in order. */
export const REBUILDERS: readonly Rebuilder[] = [healthRebuilder, activitiesRebuilder];

/** Rebuilds every kind for one user; one summary per kind. */
export async function rebuildUser(
  stores: RebuildStores,
  userId: string,
  now: number,
  rebuilders: readonly Rebuilder[] = REBUILDERS,
): Promise<{ rebuilder: Rebuilder; counts: Counts }[]> {
  const out: { rebuilder: Rebuilder; counts: Counts }[] = [];
  for (const rebuilder of rebuilders) out.push({ rebuilder, counts: await rebuilder.rebuild(stores, userId, now) });
  return out;
}
