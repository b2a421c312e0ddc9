import type { Db } from '../db/db.js';
import type { Counts } from '../sync/kind-counts.js';
import { healthRebuilder } from './health-rebuilder.js';
import type { Rebuilder } from './rebuilder.js';

/** Everything `fitsync-server rebuild` re-derives, in order. */
export const REBUILDERS: readonly Rebuilder[] = [healthRebuilder];

/** Rebuilds every kind for one user; one summary per kind. */
export async function rebuildUser(
  db: Db,
  userId: string,
  now: number,
  rebuilders: readonly Rebuilder[] = REBUILDERS,
): Promise<{ rebuilder: Rebuilder; counts: Counts }[]> {
  const out: { rebuilder: Rebuilder; counts: Counts }[] = [];
  for (const rebuilder of rebuilders) out.push({ rebuilder, counts: await rebuilder.rebuild(db, userId, now) });
  return out;
}
