// Display formats shared by every page. Dates and times use the browser's locale and time zone;
// the numbers are metric, as the API stores them.

const dash = '—';

/** "6 Dec 2026, 14:05" in the visitor's locale; a dash for null or an unparsable value. */
export function formatDateTime(iso: string | null | undefined): string {
  const d = parse(iso);
  return d ? d.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' }) : dash;
}

/** "6 Dec 2026"; a calendar date (YYYY-MM-DD) is shown as that day, not shifted by the time zone. */
export function formatDate(iso: string | null | undefined): string {
  if (iso && /^\d{4}-\d{2}-\d{2}$/.test(iso)) {
    const [y, m, d] = iso.split('-').map(Number) as [number, number, number];
    return new Date(y, m - 1, d).toLocaleDateString(undefined, { dateStyle: 'medium' });
  }
  const d = parse(iso);
  return d ? d.toLocaleDateString(undefined, { dateStyle: 'medium' }) : dash;
}

/** Seconds as h:mm:ss (m:ss under an hour): 3725 → "1:02:05", 65 → "1:05". */
export function formatDuration(seconds: number | null | undefined): string {
  if (seconds == null || !Number.isFinite(seconds) || seconds < 0) return dash;
  const total = Math.round(seconds);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const ss = String(s).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

/** Metres as kilometres with two decimals: 10234 → "10.23 km". */
export function formatDistance(metres: number | null | undefined): string {
  if (metres == null || !Number.isFinite(metres) || metres < 0) return dash;
  return `${(metres / 1000).toFixed(2)} km`;
}

/** Speed in m/s as pace: 3.333… → "5:00 /km"; a dash when standing still. */
export function formatPace(metresPerSecond: number | null | undefined): string {
  if (metresPerSecond == null || !Number.isFinite(metresPerSecond) || metresPerSecond <= 0) return dash;
  const secondsPerKm = Math.round(1000 / metresPerSecond);
  if (secondsPerKm >= 3600) return dash; // slower than an hour per km is not a pace anyone reads
  return `${formatDuration(secondsPerKm)} /km`;
}

/** Whole numbers with the locale's grouping: 12345 → "12,345". */
export function formatNumber(n: number | null | undefined, digits = 0): string {
  if (n == null || !Number.isFinite(n)) return dash;
  return n.toLocaleString(undefined, { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

function parse(iso: string | null | undefined): Date | null {
  if (!iso) return null;
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? null : d;
}
