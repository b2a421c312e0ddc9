import { SyncJob } from '@fitsync/api';
import { SYNC_TYPES } from '@fitsync/api/codes';
import { KIND_NAMES } from './index.js';

/**
 * Throws unless the registered kinds are exactly the API contract's: its sync types (besides
 * 'all') and the keys of a job's `counts`. Run at start-up, so a kind added to one side only
 * stops the server instead of answering with counts the contract rejects.
 */
export function checkKindsContract(kinds: readonly string[] = KIND_NAMES): void {
  const types = SYNC_TYPES.filter((t) => t !== 'all');
  const countKeys = Object.keys((SyncJob.properties.counts as { properties: Record<string, unknown> }).properties);
  const ours = [...kinds].sort().join(', ');
  for (const [what, names] of [
    ['SYNC_TYPES', types],
    ['SyncJob.counts', countKeys],
  ] as const) {
    const theirs = [...names].sort().join(', ');
    if (theirs !== ours) throw new Error(`data kinds (${ours}) differ from the API contract's ${what} (${theirs})`);
  }
}
