import { createHash } from 'node:crypto';
import { parseExactJson } from '@fitsync/garmin';
import type { ActivityRecord } from '../../repositories/activity-rows.js';
import { ExportFormatError } from './health.js';

/** `*_summarizedActivities*.json` anywhere in the tree (garmin-export.md §1: may be split in parts). */
export function isSummariesMember(memberPath: string): boolean {
  const base = memberPath.slice(memberPath.lastIndexOf('/') + 1);
  return /_summarizedActivities[^/]*\.json$/i.test(base);
}

/** One activity of the export, converted: its row (no file yet) and what matching needs. */
export interface ExportActivity {
  rec: ActivityRecord;
  /** The export's distance and duration readings (raw), for the re-check against a matched FIT. */
  raw: { distance: number | null; duration: number | null };
}

/** Why summary entries were not imported or values were dropped (counted, never logged by name). */
export interface SummaryStats {
  /** Multisport containers (their legs are imported). */
  multisportParents: number;
  /** Entries without an id or a start time. */
  skipped: number;
  /** Values whose units disagreed with the entry's speed (or the matched FIT): the agreeing reading was kept. */
  unitDisagreements: number;
  /** Values no reading made plausible: stored as null. */
  implausible: number;
}

export function zeroSummaryStats(): SummaryStats {
  return { multisportParents: 0, skipped: 0, unitDisagreements: 0, implausible: 0 };
}

/** Fastest plausible average for anything a watch records (m/s, ~ 360 km/h). */
const MAX_SPEED_MS = 100;
/** Longest plausible single activity (s): a week. */
const MAX_DURATION_S = 7 * 86_400;
/** Readings within this ratio agree. */
const AGREE = 1.25;

/**
 * One summaries member's text → activities. The shape is `[{"summarizedActivitiesExport": [...]}]`
 * (garmin-export.md §2); anything else throws ExportFormatError. Units are the export's (epoch ms,
 * ms, cm, cm/ms) and are converted to the API's; see `sanitize` for the checks.
 */
export function parseSummaries(text: string, stats: SummaryStats): ExportActivity[] {
  let doc: unknown;
  try {
    // Activity ids are 64-bit (the API's are too): kept exact, as decimal strings.
    doc = parseExactJson(text);
  } catch {
    throw new ExportFormatError('the activity summaries are not valid JSON');
  }
  const items: unknown[] = [];
  const wrappers = Array.isArray(doc) ? doc : [doc];
  for (const w of wrappers) {
    const list = w && typeof w === 'object' ? (w as Record<string, unknown>).summarizedActivitiesExport : undefined;
    if (!Array.isArray(list)) throw new ExportFormatError('the activity summaries are not a list of summarizedActivitiesExport');
    items.push(...list);
  }
  const out: ExportActivity[] = [];
  for (const item of items) {
    const a = toActivity(item, stats);
    if (a) out.push(a);
  }
  return out;
}

function toActivity(item: unknown, stats: SummaryStats): ExportActivity | null {
  if (!item || typeof item !== 'object' || Array.isArray(item)) {
    stats.skipped++;
    return null;
  }
  const o = item as Record<string, unknown>;
  const id = o.activityId;
  const idText = typeof id === 'number' && Number.isSafeInteger(id) && id > 0 ? String(id) : typeof id === 'string' && /^\d{1,20}$/.test(id) ? id : null;
  const startMs = num(o.startTimeGmt) ?? num(o.beginTimestamp);
  if (idText === null || startMs === null || startMs <= 0 || startMs > 32_503_680_000_000) {
    stats.skipped++;
    return null;
  }
  // Multisport: the container repeats its legs' totals; the legs are the activities.
  if (o.parent === true || o.activityType === 'multi_sport' || o.sportType === 'MULTISPORT') {
    stats.multisportParents++;
    return null;
  }
  const raw = { distance: num(o.distance), duration: num(o.duration) };
  const { distanceM, durationS } = sanitize(raw.distance, raw.duration, num(o.avgSpeed), stats);
  const summaryJson = JSON.stringify(item);
  return {
    raw,
    rec: {
      activityId: idText,
      name: typeof o.name === 'string' ? o.name : null,
      activityType: typeof o.activityType === 'string' ? o.activityType : null,
      startTime: new Date(startMs).toISOString(),
      startMs,
      durationS,
      distanceM,
      calories: num(o.calories),
      avgHr: num(o.avgHr),
      fitSha256: null,
      fitSize: null,
      summaryHash: createHash('sha256').update(summaryJson).digest('hex'),
      summaryJson,
    },
  };
}

/**
 * The export's distance (documented cm) and duration (documented ms), checked against its own
 * average speed (documented cm/ms, i.e. ×10 = m/s): sources disagree on the units
 * (garmin-export.md §2), so each reading (cm or m; ms or s) is tried and the combination whose
 * speed agrees is kept. With no speed to compare, the documented units are used if plausible.
 * A value no reading makes plausible is dropped (null): a 5 km run never becomes 5000 km.
 */
export function sanitize(
  distance: number | null,
  duration: number | null,
  avgSpeed: number | null,
  stats: SummaryStats,
): { distanceM: number | null; durationS: number | null } {
  const durations = duration === null || duration < 0 ? [] : [duration / 1000, duration];
  const distances = distance === null || distance < 0 ? [] : [distance / 100, distance];
  const durationS: number | null = durations.find((d) => d <= MAX_DURATION_S) ?? null;
  if (durationS !== durations[0] && durations.length > 0) {
    if (durationS === null) stats.implausible++;
    else stats.unitDisagreements++;
  }
  if (distances.length === 0) return { distanceM: null, durationS };
  if (distance === 0) return { distanceM: 0, durationS };
  const speeds = avgSpeed !== null && avgSpeed > 0 ? [avgSpeed * 10, avgSpeed] : [];
  if (speeds.length > 0 && durations.length > 0 && duration! > 0) {
    // Every reading of distance and duration against every reading of speed: the documented
    // units first, so they win whenever they agree.
    for (const sp of speeds) {
      for (const dur of durations) {
        if (dur > MAX_DURATION_S) continue;
        for (const dist of distances) {
          const v = dist / dur;
          if (v <= MAX_SPEED_MS && v / sp < AGREE && sp / v < AGREE) {
            if (dist !== distances[0] || dur !== durations[0]) stats.unitDisagreements++;
            return { distanceM: dist, durationS: dur };
          }
        }
      }
    }
  }
  const dist = distances[0]!;
  if (durationS !== null && durationS > 0 && dist / durationS > MAX_SPEED_MS) {
    stats.implausible++;
    return { distanceM: null, durationS };
  }
  return { distanceM: dist, durationS };
}

/**
 * A summary matched to its FIT file: the file's session totals are the measurement itself, so the
 * summary's distance and duration are re-read in the units that agree with them; no agreement
 * keeps the file's values.
 */
export function agreeWithFit(a: ExportActivity, fit: { distanceM: number | null; timerS: number | null }, stats: SummaryStats): ActivityRecord {
  const rec = { ...a.rec };
  const pick = (raw: number | null, readings: number[], truth: number | null, current: number | null): number | null => {
    if (raw === null || truth === null || truth <= 0) return current;
    const agreeing = readings.find((r) => r / truth < AGREE && truth / r < AGREE);
    if (agreeing === undefined) {
      stats.unitDisagreements++;
      return truth;
    }
    if (agreeing !== current) stats.unitDisagreements++;
    return agreeing;
  };
  rec.distanceM = pick(a.raw.distance, a.raw.distance === null ? [] : [a.raw.distance / 100, a.raw.distance], fit.distanceM, rec.distanceM);
  rec.durationS = pick(a.raw.duration, a.raw.duration === null ? [] : [a.raw.duration / 1000, a.raw.duration], fit.timerS, rec.durationS);
  return rec;
}

function num(v: unknown): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}
