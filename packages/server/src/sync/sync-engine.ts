import { ActivitiesPhase } from './activities-phase.js';
import { HealthPhase } from './health-phase.js';
import type { SyncPart } from './progress.js';
import type { SyncRun } from './sync-run.js';
import { WorkoutsPhase } from './workouts-phase.js';

/** The parts a sync type covers, in the order they run. */
export function partsOf(syncType: string): SyncPart[] {
  return syncType === 'all' ? ['activities', 'health', 'workouts'] : [syncType as SyncPart];
}

/**
 * Runs one job's parts, skipping those a previous attempt finished. Every part is planned first,
 * so `total_items` is known before the long work starts; then each part runs to the end.
 */
export async function runSyncEngine(run: SyncRun, done: ReadonlySet<SyncPart>): Promise<void> {
  const phases = partsOf(run.spec.syncType)
    .filter((p) => !done.has(p))
    .map((p) => (p === 'activities' ? new ActivitiesPhase(run) : p === 'health' ? new HealthPhase(run) : new WorkoutsPhase(run)));
  for (const ph of phases) await ph.plan();
  for (const ph of phases) await ph.execute();
}
