import type { PersonalRecord } from '@fitsync/api';
import { prType } from '@fitsync/garmin/personal-records';
import { RawNumber } from '../codec/json.js';
import { activityName } from './activity-json.js';
import { dtoTime } from './dates.js';
import { healthTruth } from './health-truth.js';
import type { SimUser, StoredActivity } from './user.js';

/** One personal record as the sim derives it; `activity` null for records not tied to one (steps). */
interface SimRecord {
  typeId: number;
  value: number;
  activity: StoredActivity | null;
  /** When the record was set (unix seconds, UTC). */
  atS: number;
}

const RUN = 1;
const BIKE = 2;
// Garmin's values are 32-bit floats (213.81399536132812 in the recorded answer).
const f32 = Math.fround;

/**
 * The account's personal records, derived from its activities (odd files left out): the best
 * 1 km (a full auto lap, scaled to exactly 1000 m), the best average pace over 1 mile / 5 km /
 * 10 km runs at least that long, the longest run and ride, and the most steps in a day from the
 * health data (not tied to an activity: activityId 0). Types without a qualifying activity are absent.
 */
function userRecords(user: SimUser): SimRecord[] {
  const best = new Map<number, SimRecord>();
  const offer = (r: SimRecord, lowerIsBetter: boolean) => {
    const cur = best.get(r.typeId);
    if (!cur || (lowerIsBetter ? r.value < cur.value : r.value > cur.value)) best.set(r.typeId, r);
  };
  for (const a of user.activities) {
    if (a.seed.odd) continue;
    const t = user.totals(a);
    const sport = a.seed.sport.fitSport;
    const metres = t.distanceCm / 100;
    if (sport === RUN) {
      for (const lap of t.laps) {
        if (lap.distanceCm < 100_000 || lap.timerMs === 0) continue;
        offer({ typeId: 1, value: f32((lap.timerMs / 1000) * (100_000 / lap.distanceCm)), activity: a, atS: lap.startS }, true);
      }
      for (const [typeId, len] of [
        [2, 1609.344],
        [3, 5000],
        [4, 10000],
      ] as const) {
        if (metres >= len) offer({ typeId, value: f32((t.timerMs / 1000) * (len / metres)), activity: a, atS: a.seed.startS }, true);
      }
      offer({ typeId: 7, value: f32(metres), activity: a, atS: a.seed.startS }, false);
    } else if (sport === BIKE) {
      offer({ typeId: 8, value: f32(metres), activity: a, atS: a.seed.startS }, false);
    }
  }
  // The truth's per-day memo: cheap on every call after the first.
  for (const d of healthTruth(user).health_days) {
    if (d.steps !== null && d.steps > 0) offer({ typeId: 12, value: d.steps, activity: null, atS: Date.parse(`${d.date}T00:00:00Z`) / 1000 }, false);
  }
  return [...best.values()].sort((x, y) => x.typeId - y.typeId);
}

const recordId = (user: SimUser, r: SimRecord) => 9_000_000_000 + user.index * 1000 + r.typeId;

/** `GET /personalrecord-service/personalrecord/prs/{displayName}` (shape of fixture notebook-personal-records). */
export function personalRecordsJson(user: SimUser): Array<Record<string, unknown>> {
  return userRecords(user).map((r) => {
    const a = r.activity;
    const startS = a?.seed.startS ?? null;
    return {
      id: recordId(user, r),
      typeId: r.typeId,
      status: 'ACCEPTED',
      activityId: a ? new RawNumber(a.seed.idText) : 0,
      activityName: a ? activityName(a.seed) : null,
      activityType: a ? a.seed.sport.typeKey : null,
      activityStartDateTimeInGMT: startS === null ? null : startS * 1000,
      actStartDateTimeInGMTFormatted: startS === null ? null : dtoTime(startS),
      activityStartDateTimeLocal: startS === null ? null : (startS + user.tz.offsetS) * 1000,
      activityStartDateTimeLocalFormatted: startS === null ? null : dtoTime(startS + user.tz.offsetS),
      value: r.value,
      prStartTimeGmt: r.atS * 1000,
      prStartTimeGmtFormatted: dtoTime(r.atS),
      prStartTimeLocal: null,
      prStartTimeLocalFormatted: null,
      prTypeLabelKey: null,
      poolLengthUnit: null,
    };
  });
}

/** The records as `GET /v1/records` answers them, labelled with the shared PR_TYPES table. */
export function personalRecordsTruth(user: SimUser): PersonalRecord[] {
  return userRecords(user).map((r) => {
    const { label, unit } = prType(r.typeId);
    return {
      record_id: String(recordId(user, r)),
      type_id: r.typeId,
      label,
      value: r.value,
      unit,
      activity_id: r.activity ? r.activity.seed.idText : null,
      activity_name: r.activity ? activityName(r.activity.seed) : null,
      activity_type: r.activity ? r.activity.seed.sport.typeKey : null,
      time: new Date(r.atS * 1000).toISOString(),
    };
  });
}
