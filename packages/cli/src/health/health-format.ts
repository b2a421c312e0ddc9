import { localOffsetMs } from '../chart/time-axis.js';

/** Seconds as "7h 05m". */
export function hoursMinutes(seconds: number): string {
  const m = Math.round(seconds / 60);
  return `${Math.floor(m / 60)}h ${String(m % 60).padStart(2, '0')}m`;
}

/** HH:MM on the user's clock. */
export function clock(ms: number): string {
  const d = new Date(ms + localOffsetMs(ms));
  return `${String(d.getUTCHours()).padStart(2, '0')}:${String(d.getUTCMinutes()).padStart(2, '0')}`;
}

/** An ISO UTC time as "YYYY-MM-DD HH:MM" on the user's clock (the text itself when it is no time). */
export function localTime(iso: string): string {
  const ms = Date.parse(iso);
  if (!Number.isFinite(ms)) return iso;
  return `${new Date(ms + localOffsetMs(ms)).toISOString().slice(0, 10)} ${clock(ms)}`;
}
