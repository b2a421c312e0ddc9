/** What storing items did to them. */
export interface Counts {
  new: number;
  updated: number;
  unchanged: number;
}
export type Outcome = keyof Counts;
/** Counts per data kind, keyed by the kind's name (the API's `counts`). */
export type AllCounts = Record<string, Counts>;

/** Zero counts. */
export function zeroCounts(): Counts {
  return { new: 0, updated: 0, unchanged: 0 };
}

/** Zero counts for each of `kinds`. */
export function emptyCounts(kinds: readonly string[]): AllCounts {
  return Object.fromEntries(kinds.map((k) => [k, zeroCounts()]));
}

/** Reads stored counts of `kinds`, tolerating old or partial JSON (missing values are 0). */
export function parseCounts(json: string | null | undefined, kinds: readonly string[]): AllCounts {
  const out = emptyCounts(kinds);
  try {
    const v = JSON.parse(json ?? '{}') as Record<string, Record<string, unknown>>;
    for (const part of kinds) {
      for (const k of ['new', 'updated', 'unchanged'] as const) {
        const n = v?.[part]?.[k];
        if (typeof n === 'number' && Number.isInteger(n) && n >= 0) out[part]![k] = n;
      }
    }
  } catch {
    // keep zeros
  }
  return out;
}
