// Calendar days as 'YYYY-MM-DD' strings. Health data is keyed by the day Garmin reports (the
// wearer's own calendar), so days are counted in UTC arithmetic on the date alone: no time zone
// or daylight-saving change can skip or double a day.

const DAY_MS = 86_400_000;
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'] as const;

function parts(day: string): [number, number, number] {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day);
  if (!m) throw new Error(`not a calendar day: ${day}`);
  return [Number(m[1]), Number(m[2]), Number(m[3])];
}

function dayMs(day: string): number {
  const [y, mo, d] = parts(day);
  return Date.UTC(y, mo - 1, d);
}

function fromMs(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** `day` moved by `n` days (negative: back). */
export function addDays(day: string, n: number): string {
  return fromMs(dayMs(day) + n * DAY_MS);
}

/** Whole days from `a` to `b` (negative when `b` is earlier). */
export function daysBetween(a: string, b: string): number {
  return Math.round((dayMs(b) - dayMs(a)) / DAY_MS);
}

/** The local calendar day of a moment (the browser's time zone): "today" for the period picker. */
export function localDay(at: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${at.getFullYear()}-${p(at.getMonth() + 1)}-${p(at.getDate())}`;
}

/**
 * One value per day of [since, until], in order: the value given for the day, else null (a gap in
 * the chart, an empty cell in the table). Days outside the period are ignored.
 */
export function fillDays(since: string, until: string, values: ReadonlyMap<string, number>): { day: string; value: number | null }[] {
  const n = daysBetween(since, until) + 1;
  const out: { day: string; value: number | null }[] = [];
  for (let i = 0; i < n; i++) {
    const day = addDays(since, i);
    out.push({ day, value: values.get(day) ?? null });
  }
  return out;
}

/** "Mar 5" (the year only when it is not `thisYear`: "Mar 5, 2025"). */
export function shortDay(day: string, thisYear?: number): string {
  const [y, m, d] = parts(day);
  return `${MONTHS[m - 1]} ${d}${thisYear !== undefined && y !== thisYear ? `, ${y}` : ''}`;
}

/** A tick on a day axis: its position (days after the first day) and its label. */
export interface DayTick {
  index: number;
  label: string;
}

/**
 * Ticks for `count` days from `first`: every 1, 2, 7 or 14 days from the first day when that gives
 * at most `max` ticks, else on the first of every 1, 2, 3 or 6 months (labelled with the month,
 * and the year at January and at the first tick).
 */
export function dayTicks(first: string, count: number, max = 6): DayTick[] {
  if (count <= 0) return [];
  for (const step of [1, 2, 7, 14]) {
    if (Math.ceil(count / step) <= max) {
      const ticks: DayTick[] = [];
      for (let i = 0; i < count; i += step) ticks.push({ index: i, label: shortDay(addDays(first, i)) });
      return ticks;
    }
  }
  const last = addDays(first, count - 1);
  const [fy, fm] = parts(first);
  const [ly, lm] = parts(last);
  const months = (ly - fy) * 12 + (lm - fm) + 1;
  const step = [1, 2, 3, 6].find((s) => Math.ceil(months / s) <= max) ?? 12;
  const ticks: DayTick[] = [];
  // Month starts inside the period, from the first one on or after `first`.
  let y = fy;
  let m = fm;
  if (parts(first)[2] !== 1) [y, m] = m === 12 ? [y + 1, 1] : [y, m + 1];
  for (;;) {
    const day = `${y}-${String(m).padStart(2, '0')}-01`;
    const index = daysBetween(first, day);
    if (index >= count) break;
    const label = ticks.length === 0 || m === 1 ? `${MONTHS[m - 1]} ${y}` : MONTHS[m - 1]!;
    ticks.push({ index, label });
    m += step;
    while (m > 12) {
      m -= 12;
      y += 1;
    }
  }
  return ticks;
}
