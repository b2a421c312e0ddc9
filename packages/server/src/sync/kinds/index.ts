import { activitiesKind } from './activities-kind.js';
import type { RegisteredKind } from './data-kind.js';
import { healthKind } from './health-kind.js';
import { workoutsKind } from './workouts-kind.js';

/**
 * THE list of data kinds, in the order a sync of 'all' runs them. Everything else — sync types,
 * counts, resume state, progress — is derived from it; the API contract (SYNC_TYPES and the
 * `counts` schema in packages/api) must name the same kinds (checked by `checkKindsContract`).
 */
export const DATA_KINDS: readonly RegisteredKind[] = [activitiesKind, healthKind, workoutsKind];

/** The kinds' names, in run order. */
export const KIND_NAMES: readonly string[] = DATA_KINDS.map((k) => k.name);

/** The kinds a sync type covers, in the order they run ('all' = every kind). */
export function kindsOf(syncType: string): RegisteredKind[] {
  return syncType === 'all' ? [...DATA_KINDS] : DATA_KINDS.filter((k) => k.name === syncType);
}
