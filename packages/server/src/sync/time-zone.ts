/**
 * The calendar of a Garmin account: its days begin at local midnight in the account's zone
 * (Garmin files wellness data under local dates), never the server's. Intl-based, no dependency.
 */
import { addDays, isoDay } from './dates.js';

/** Where an account's days begin: an IANA zone, or a fixed offset from UTC when no zone is known. */
export type DayZone = { readonly zone: string } | { readonly offsetMinutes: number };

export const UTC_DAYS: DayZone = { zone: 'UTC' };

const MINUTE_MS = 60_000;
/** Real offsets lie between UTC−12 and UTC+14. */
const MIN_OFFSET = -12 * 60;
const MAX_OFFSET = 14 * 60;
const ZONE_NAME = /^[A-Za-z][A-Za-z0-9_+\-/]{0,63}$/;

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(zone: string): Intl.DateTimeFormat {
  let f = formatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit' });
    formatters.set(zone, f);
  }
  return f;
}

/** True when `name` is an IANA zone this Node knows (Garmin's answer is outside input: checked). */
export function isTimeZone(name: unknown): name is string {
  if (typeof name !== 'string' || !ZONE_NAME.test(name)) return false;
  try {
    formatter(name);
    return true;
  } catch {
    return false;
  }
}

/** The account's calendar date (YYYY-MM-DD) at epoch-ms `ms`. */
export function localDay(ms: number, z: DayZone): string {
  if ('offsetMinutes' in z) return isoDay(ms + z.offsetMinutes * MINUTE_MS);
  const parts = formatter(z.zone).formatToParts(new Date(ms));
  const get = (t: string) => parts.find((p) => p.type === t)!.value;
  return `${get('year')}-${get('month')}-${get('day')}`;
}

/** The account's "tomorrow": the latest date a sync window may name. */
export function localTomorrow(ms: number, z: DayZone): string {
  return addDays(localDay(ms, z), 1);
}

/**
 * The offset an activity was recorded at (`startTimeLocal − startTimeGMT`, both zone-less wall
 * times), rounded to a quarter hour; null when the times do not give a real offset.
 */
export function offsetOfActivity(startTimeLocal: string, startTimeGMT: string): DayZone | null {
  const wall = (s: string) => Date.parse(`${s.trim().replace(' ', 'T').replace(/\.\d+$/, '')}Z`);
  const diff = wall(startTimeLocal) - wall(startTimeGMT);
  if (!Number.isFinite(diff)) return null;
  const minutes = Math.round(diff / (15 * MINUTE_MS)) * 15;
  return minutes < MIN_OFFSET || minutes > MAX_OFFSET ? null : { offsetMinutes: minutes };
}

/** For logs and messages: the zone name, or `UTC+05:30`. */
export function describeZone(z: DayZone): string {
  if ('zone' in z) return z.zone;
  const m = Math.abs(z.offsetMinutes);
  const hhmm = `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;
  return `UTC${z.offsetMinutes < 0 ? '−' : '+'}${hhmm}`;
}
