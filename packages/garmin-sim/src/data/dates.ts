/** Date formats Garmin mixes (see fixtures README "Quirks"). */

const pad = (n: number, w = 2): string => String(n).padStart(w, '0');

/** `YYYY-MM-DD` of a unix-seconds instant (UTC). */
export function isoDate(unixS: number): string {
  const d = new Date(unixS * 1000);
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
}

/** Activity list style: `YYYY-MM-DD HH:MM:SS` without a zone. */
export function listTime(unixS: number): string {
  const d = new Date(unixS * 1000);
  return `${isoDate(unixS)} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
}

/** Detail DTO style: `YYYY-MM-DDTHH:MM:SS.0`. */
export function dtoTime(unixS: number): string {
  return `${listTime(Math.floor(unixS)).replace(' ', 'T')}.0`;
}

/** Unix seconds of 00:00 UTC of a `YYYY-MM-DD` date, or null when not a real date. */
export function parseIsoDate(s: string | null | undefined): number | null {
  if (!s || !/^\d{4}-\d{2}-\d{2}$/.test(s)) return null;
  const ms = Date.parse(`${s}T00:00:00Z`);
  if (Number.isNaN(ms) || isoDate(ms / 1000) !== s) return null;
  return ms / 1000;
}
