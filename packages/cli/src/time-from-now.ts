/** "in 52 min", "in 3 h 05 min", "in 40 s"; "2 min ago" for a time already past. */
export function timeFromNow(at: number, now: number): string {
  const s = Math.round((at - now) / 1000);
  const abs = Math.abs(s);
  const m = Math.round(abs / 60);
  const span = abs < 60 ? `${abs} s` : m < 60 ? `${m} min` : `${Math.floor(m / 60)} h ${String(m % 60).padStart(2, '0')} min`;
  return s >= 0 ? `in ${span}` : `${span} ago`;
}
