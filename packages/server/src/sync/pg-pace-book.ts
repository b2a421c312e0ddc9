import type { Db } from '../db/db.js';
import type { Booking, PaceBook, PaceLane } from './pace-book.js';

/**
 * The pace book in PostgreSQL (`garmin_pace`), shared by every worker of every instance: one
 * statement per booking locks the lanes' rows (in key order, so two bookings never deadlock),
 * computes the start from their latest values and moves them. The clock is the caller's runtime
 * (passed as `now`), not the database's: FakeRuntime tests and the limiter's sleeps agree with it.
 */
export class PgPaceBook implements PaceBook {
  constructor(private readonly db: Db) {}

  async book(now: number, account: PaceLane | null, deployment: PaceLane | null): Promise<Booking> {
    const lanes = [account, deployment].filter((l): l is PaceLane => l !== null);
    if (lanes.length === 0) return { start: now };
    const [a, b = a] = lanes as [PaceLane, PaceLane?];
    // The gate: the account, only when both lanes are booked together.
    const gate = account && deployment ? account.key : '';
    for (let i = 0; ; i++) {
      // READ COMMITTED: FOR UPDATE waits for a concurrent booking and then reads its result, and
      // the UPDATE writes values computed from those locked rows, so bookings serialise per lane.
      const r = await this.db.get<{ n: number | string; gate_next: number | string | null; start: number | string }>(
        `WITH locked AS MATERIALIZED (
           SELECT pace_key, next_start_ms FROM garmin_pace WHERE pace_key IN (?, ?) ORDER BY pace_key FOR UPDATE
         ),
         slot AS MATERIALIZED (
           SELECT COUNT(*) AS n, MAX(CASE WHEN pace_key = ? THEN next_start_ms END) AS gate_next,
                  GREATEST(MAX(next_start_ms), CAST(? AS BIGINT)) AS start
           FROM locked
         ),
         moved AS (
           UPDATE garmin_pace p SET next_start_ms = slot.start + CASE WHEN p.pace_key = ? THEN CAST(? AS BIGINT) ELSE CAST(? AS BIGINT) END
           FROM slot
           WHERE p.pace_key IN (?, ?) AND slot.n = CAST(? AS BIGINT) AND (slot.gate_next IS NULL OR slot.gate_next <= CAST(? AS BIGINT))
           RETURNING p.pace_key
         )
         SELECT n, gate_next, start FROM slot`,
        [a.key, b.key, gate, now, a.key, a.gapMs, b.gapMs, a.key, b.key, a === b ? 1 : 2, now],
      );
      const n = Number(r?.n ?? 0);
      if (n === (a === b ? 1 : 2)) {
        const gateNext = r!.gate_next === null ? null : Number(r!.gate_next);
        if (gateNext !== null && gateNext > now) return { retryAt: gateNext };
        return { start: Number(r!.start) };
      }
      // A lane seen for the first time: its row is created (free now), then booked.
      if (i > 0) throw new Error('garmin_pace: lane rows missing after insert');
      for (const l of lanes) {
        await this.db.run('INSERT INTO garmin_pace (pace_key, next_start_ms) VALUES (?, 0) ON CONFLICT (pace_key) DO NOTHING', [l.key]);
      }
    }
  }
}
