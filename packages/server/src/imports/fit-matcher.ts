import type { ExportActivity } from './export/activities.js';

/** A FIT file's session start may differ from its summary's start by this much (garmin-export.md §3, GG 429-447). */
export const MATCH_WINDOW_MS = 300_000;

/**
 * Finds the summary a FIT file belongs to: the one whose start is closest to the file's session
 * start, within MATCH_WINDOW_MS, among summaries no other file has claimed. FIT member names are
 * not activity ids (garmin-export.md §3), so time is the only link.
 */
export class FitMatcher {
  private readonly byStart: ExportActivity[];
  private readonly claimed: Set<string>;

  constructor(activities: readonly ExportActivity[], claimed: Iterable<string>) {
    this.byStart = [...activities].sort((a, b) => a.rec.startMs - b.rec.startMs);
    this.claimed = new Set(claimed);
  }

  isClaimed(activityId: string): boolean {
    return this.claimed.has(activityId);
  }

  /**
   * Claims and returns the matching summary, or null. Summaries as close in time (two activities
   * started in the same second) are told apart by the file's session totals.
   */
  claim(sessionStartMs: number, totals: { timerS: number | null; distanceM: number | null } = { timerS: null, distanceM: null }): ExportActivity | null {
    const list = this.byStart;
    let lo = 0;
    let hi = list.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (list[mid]!.rec.startMs < sessionStartMs - MATCH_WINDOW_MS) lo = mid + 1;
      else hi = mid;
    }
    let best: ExportActivity | null = null;
    let bestKey: number[] = [];
    for (let i = lo; i < list.length && list[i]!.rec.startMs <= sessionStartMs + MATCH_WINDOW_MS; i++) {
      const a = list[i]!;
      if (this.claimed.has(a.rec.activityId)) continue;
      const key = [
        Math.abs(a.rec.startMs - sessionStartMs),
        gap(a.rec.durationS, totals.timerS),
        gap(a.rec.distanceM, totals.distanceM),
      ];
      if (!best || less(key, bestKey)) {
        best = a;
        bestKey = key;
      }
    }
    if (best) this.claimed.add(best.rec.activityId);
    return best;
  }
}

function gap(a: number | null, b: number | null): number {
  return a === null || b === null ? Number.POSITIVE_INFINITY : Math.abs(a - b);
}

function less(a: readonly number[], b: readonly number[]): boolean {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i]! < b[i]!;
  return false;
}
