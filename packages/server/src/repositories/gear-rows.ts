import type { GearItem } from '@fitsync/api';
import type { Queryable } from '../db/db.js';
import { replaceUserRows } from './user-snapshot.js';

/** A gear item as stored: the API's columns plus Garmin's answers kept whole. */
export interface GearRecord extends GearItem {
  /** The filterGear item as Garmin sent it (JSON). */
  rawJson: string;
  /** The stats answer (JSON), null when Garmin has none (retired gear answers 404). */
  statsJson: string | null;
}

const GEAR_COLS = [
  'gear_id', 'position', 'name', 'gear_type', 'make', 'model', 'status', 'date_begin', 'date_end', 'max_distance_m',
  'total_distance_m', 'total_activities', 'raw_json', 'stats_json', 'fetched_at',
];

/** Replaces the user's gear with `items` (a snapshot: gear Garmin no longer lists is dropped). Call inside a transaction. */
export async function replaceGear(q: Queryable, userId: string, items: readonly GearRecord[], now: number): Promise<void> {
  const rows = items.map((g, i) => [
    g.gear_id, i, g.name, g.type, g.make, g.model, g.status, g.date_begin, g.date_end, g.max_distance_m, g.total_distance_m,
    g.total_activities, g.rawJson, g.statsJson, now,
  ]);
  await replaceUserRows(q, 'gear', GEAR_COLS, userId, rows);
}

const num = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));

/** The user's gear in Garmin's order. */
export async function listGear(q: Queryable, userId: string): Promise<GearItem[]> {
  const rows = await q.all<Record<string, unknown>>(
    `SELECT gear_id, name, gear_type, make, model, status, date_begin, date_end, max_distance_m, total_distance_m, total_activities
     FROM gear WHERE user_id = ? ORDER BY position`,
    [userId],
  );
  return rows.map((r) => ({
    gear_id: r.gear_id as string,
    name: r.name as string | null,
    type: r.gear_type as string | null,
    make: r.make as string | null,
    model: r.model as string | null,
    status: r.status as string | null,
    date_begin: r.date_begin as string | null,
    date_end: r.date_end as string | null,
    max_distance_m: num(r.max_distance_m),
    total_distance_m: num(r.total_distance_m),
    total_activities: num(r.total_activities),
  }));
}
