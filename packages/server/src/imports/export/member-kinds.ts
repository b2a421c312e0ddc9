import { isSummariesMember } from './activities.js';
import { type HealthFamily, healthFamilyOf } from './health.js';
import { isWorkoutsMember } from './workouts.js';

/**
 * Folders and files of personal data the import never reads (garmin-export.md §7.9: contacts,
 * social profile, LiveTrack, consent history, devices). Matched on any path segment, so the
 * rule holds wherever Garmin moves them.
 */
export function isPersonalMember(memberPath: string): boolean {
  const segs = memberPath.split('/');
  const base = segs[segs.length - 1] ?? '';
  if (/^user_.*\.json$/i.test(base)) return true;
  return segs
    .slice(0, -1)
    .some((s) => s === 'DI-Connect-Social' || s === 'DI-Connect-Device' || s === 'DI_LIVETRACK' || s === 'customer_data' || s.startsWith('IT_'));
}

/** What a member is to the import, by its FILE NAME only (garmin-export.md §1: layouts drift). */
export type MemberKind =
  | { kind: 'summaries' }
  | { kind: 'health'; family: HealthFamily }
  | { kind: 'workouts' }
  | { kind: 'fit' }
  | { kind: 'zip' }
  | { kind: 'other' };

export function memberKind(memberPath: string, isDirectory: boolean): MemberKind {
  if (isDirectory || isPersonalMember(memberPath)) return { kind: 'other' };
  if (/\.fit$/i.test(memberPath)) return { kind: 'fit' };
  if (/\.zip$/i.test(memberPath)) return { kind: 'zip' };
  if (!/\.json$/i.test(memberPath)) return { kind: 'other' };
  if (isSummariesMember(memberPath)) return { kind: 'summaries' };
  if (isWorkoutsMember(memberPath)) return { kind: 'workouts' };
  const family = healthFamilyOf(memberPath);
  return family ? { kind: 'health', family } : { kind: 'other' };
}
