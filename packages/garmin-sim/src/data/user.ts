import { createHash } from 'node:crypto';
import { writeZip } from '@fitsync/garmin/zip';
import { encodeActivityFit } from '../codec/fit.js';
import { hashSeed, Prng } from '../prng.js';
import { type ActivitySeed, type ActivityTotals, computeTotals, type OddKind, simulateTrack } from './activity-model.js';
import { isoDate, parseIsoDate } from './dates.js';
import { HealthEdits } from './health-model.js';
import { SPORT_WEIGHTS, SPORTS, type SportDef } from './sports.js';

export type MfaMode = null | 'email' | 'sms';

export interface UserSpec {
  email: string;
  password: string;
  mfa: MfaMode;
  activities: number;
  days: number;
  workouts: number;
  /** Two more activities with odd FIT files: one without records, one with a corrupt tail. */
  odd_activities: boolean;
  /** IANA name of the account's zone (one of SIM_TIME_ZONES); absent: picked from the seed as before. */
  time_zone?: string | null;
}

export interface TimeZoneDef {
  id: number;
  key: string;
  offsetS: number;
}

// Zones without daylight saving, so local = GMT + a fixed offset. Local times that
// differ from GMT make time-zone mistakes in clients visible. The sim keeps every zone at a
// fixed offset on purpose (none of these has DST today); a DST zone would need Intl here.
// Accounts that name no zone get one of the first four, picked from the seed (seeds and truths of
// existing accounts stay as they were); the rest exist for the edges of the day: UTC−10 and UTC+13.
const SEEDED_ZONES: readonly TimeZoneDef[] = [
  { id: 150, key: 'America/Costa_Rica', offsetS: -6 * 3600 },
  { id: 114, key: 'Asia/Tokyo', offsetS: 9 * 3600 },
  { id: 3, key: 'UTC', offsetS: 0 },
  { id: 132, key: 'Asia/Kolkata', offsetS: 5.5 * 3600 },
];

/** Every zone an account may name (`time_zone`); ids are the sim's own, Garmin's table is unrecorded. */
export const SIM_TIME_ZONES: readonly TimeZoneDef[] = [
  ...SEEDED_ZONES,
  { id: 16, key: 'Pacific/Honolulu', offsetS: -10 * 3600 },
  { id: 196, key: 'Pacific/Fakaofo', offsetS: 13 * 3600 },
  { id: 197, key: 'Pacific/Tongatapu', offsetS: 13 * 3600 },
];

/** The zone named `key`, or undefined when the sim does not model it. */
export function simTimeZone(key: string): TimeZoneDef | undefined {
  return SIM_TIME_ZONES.find((z) => z.key === key);
}

/** 2^54: every generated id is above 2^53, so a JS number cannot hold it exactly. */
export const ACTIVITY_ID_BASE = 2n ** 54n;

/** One generated activity: the seed plus lazily computed totals. */
export interface StoredActivity {
  seed: ActivitySeed;
  totals?: ActivityTotals;
  sha256?: string;
  listJson?: string;
}

function pickSport(rng: Prng): SportDef {
  const total = SPORT_WEIGHTS.reduce((a, b) => a + b, 0);
  let r = rng.next() * total;
  for (let i = 0; i < SPORTS.length; i++) {
    r -= SPORT_WEIGHTS[i]!;
    if (r < 0) return SPORTS[i]!;
  }
  return SPORTS[0]!;
}

/**
 * A sim account and its generated history. Activities are kept as small seeds;
 * totals are computed once and cached, FIT files are rebuilt per download.
 */
export class SimUser {
  readonly email: string;
  readonly password: string;
  readonly mfa: MfaMode;
  readonly days: number;
  readonly index: number;
  readonly seed: number;
  readonly displayName: string;
  readonly fullName: string;
  readonly profileId: number;
  readonly socialId: number;
  readonly guid: string;
  readonly deviceId: number;
  readonly tz: TimeZoneDef;
  /** Unix seconds when the account was generated: "now" for its history. */
  readonly createdAtS: number;
  readonly workoutCount: number;
  readonly oddActivities: boolean;
  /** Oldest first; ids grow with start time. */
  readonly activities: StoredActivity[] = [];
  /** Health edits from the control surface, and memoised day models. */
  readonly health = new HealthEdits();
  /**
   * Epoch ms of the device's last upload (`mylastused`): the account's creation, then every
   * added activity or health change. Strictly increasing, so an upload at the same fake-clock
   * instant as a client's last look is still a change.
   */
  lastUploadMs: number;
  private readonly byId = new Map<string, number>();
  private readonly home: { lat: number; lon: number };

  constructor(spec: UserSpec, index: number, simSeed: string, nowS: number) {
    this.email = spec.email;
    this.password = spec.password;
    this.mfa = spec.mfa;
    this.days = spec.days;
    this.workoutCount = spec.workouts;
    this.oddActivities = spec.odd_activities;
    this.index = index;
    this.seed = hashSeed(simSeed, 'user', spec.email.toLowerCase());
    const rng = new Prng(this.seed);
    const local = spec.email.split('@')[0]!.replace(/[^A-Za-z0-9._-]/g, '').slice(0, 40) || 'user';
    this.displayName = `${local}${rng.int(100, 999)}`;
    this.fullName = `Sim ${local}`;
    this.profileId = 1_000_000 + index * 1000 + rng.int(0, 999);
    this.socialId = 3_000_000 + index * 1000 + rng.int(0, 999);
    this.guid = `${rng.hex(8)}-${rng.hex(4)}-4${rng.hex(3)}-a${rng.hex(3)}-${rng.hex(12)}`;
    this.deviceId = 3_400_000_000 + rng.int(0, 99_999_999);
    // Picked even when the spec names a zone: the draws after it (home, ...) stay the same.
    const seeded = rng.pick(SEEDED_ZONES);
    this.tz = spec.time_zone ? (simTimeZone(spec.time_zone) ?? seeded) : seeded;
    this.home = { lat: 45 + rng.range(-0.05, 0.05), lon: 7 + rng.range(-0.05, 0.05) };
    this.createdAtS = nowS;
    this.lastUploadMs = nowS * 1000;

    const span = Math.max(1, spec.days) * 86400;
    const starts: Array<{ startS: number; odd: OddKind }> = [];
    const odd: OddKind[] = spec.odd_activities ? ['no_records', 'corrupt_tail'] : [];
    for (let i = 0; i < spec.activities + odd.length; i++) {
      const r = new Prng(hashSeed(this.seed, 'start', i));
      // Spread over the past `days` days; the newest ends before "now".
      const startS = nowS - 3 * 3600 - Math.floor(r.next() * Math.max(1, span - 3 * 3600));
      starts.push({ startS, odd: i < spec.activities ? null : odd[i - spec.activities]! });
    }
    starts.sort((a, b) => a.startS - b.startS);
    for (const s of starts) this.pushActivity(s.startS, s.odd);
  }

  private pushActivity(startS: number, odd: OddKind = null): StoredActivity {
    const ordinal = this.activities.length;
    const rng = new Prng(hashSeed(this.seed, 'activity', ordinal));
    const sport = pickSport(rng);
    const durationS = rng.int(sport.durationS[0], sport.durationS[1]);
    // About one activity in four has a pause (a stop at the lights, a café): 1 to 10 minutes.
    const pause = rng.next() < 0.25 ? { atFraction: rng.range(0.2, 0.8), gapS: rng.int(60, 600) } : null;
    // Garmin ids grow with upload time; the ordinal keeps same-second ids unique.
    const id =
      ACTIVITY_ID_BASE + BigInt(startS) * 1_000_000n + BigInt(this.index % 1000) * 1000n + BigInt(ordinal % 1000);
    const seed: ActivitySeed = {
      id,
      idText: id.toString(),
      seed: hashSeed(this.seed, 'track', ordinal),
      sport,
      startS,
      durationS,
      tailMs: rng.int(0, 999),
      pause,
      odd,
      startLat: this.home.lat + rng.range(-0.02, 0.02),
      startLon: this.home.lon + rng.range(-0.02, 0.02),
      serial: this.deviceId,
      product: 3113,
      softwareVersion: 1912,
    };
    const stored: StoredActivity = { seed };
    this.byId.set(seed.idText, this.activities.length);
    this.activities.push(stored);
    return stored;
  }

  /** What `POST /__sim/users` and `startSim().createUser` answer about the account. */
  summary() {
    return {
      email: this.email,
      display_name: this.displayName,
      profile_id: this.profileId,
      mfa: this.mfa,
      activities: this.activities.length,
      days: this.days,
      workouts: this.workoutCount,
      odd_activities: this.oddActivities,
      time_zone: this.tz.key,
    };
  }

  /** The device uploaded at `nowMs` (see lastUploadMs). */
  uploaded(nowMs: number): void {
    this.lastUploadMs = Math.max(nowMs, this.lastUploadMs + 1);
  }

  /** The account's local calendar date of a unix-seconds instant. */
  localDate(unixS: number): string {
    return isoDate(unixS + this.tz.offsetS);
  }

  /** Unix seconds of local midnight starting `date`, or null when not a real date. */
  dayStartS(date: string): number | null {
    const utc = parseIsoDate(date);
    return utc === null ? null : utc - this.tz.offsetS;
  }

  /** Adds `count` activities starting "now", newer (and with larger ids) than all others. */
  addActivities(count: number, nowS: number): StoredActivity[] {
    const last = this.activities[this.activities.length - 1];
    const base = Math.max(nowS, last ? last.seed.startS + 1 : 0);
    const out: StoredActivity[] = [];
    for (let j = 0; j < count; j++) out.push(this.pushActivity(base + j));
    return out;
  }

  find(idText: string): StoredActivity | undefined {
    const i = this.byId.get(idText);
    return i === undefined ? undefined : this.activities[i];
  }

  totals(a: StoredActivity): ActivityTotals {
    if (!a.totals) a.totals = computeTotals(a.seed, simulateTrack(a.seed));
    return a.totals;
  }

  /** The FIT file, rebuilt from the seed (same bytes on every call). */
  fit(a: StoredActivity): Buffer {
    const track = simulateTrack(a.seed);
    const totals = a.totals ?? computeTotals(a.seed, track);
    a.totals = totals;
    const bytes = encodeActivityFit(a.seed, track, totals);
    if (!a.sha256) a.sha256 = createHash('sha256').update(bytes).digest('hex');
    return bytes;
  }

  /** The download: a ZIP holding `{id}_ACTIVITY.fit`. */
  zip(a: StoredActivity): Buffer {
    const entry = { name: `${a.seed.idText}_ACTIVITY.fit`, data: this.fit(a), modified: new Date(a.seed.startS * 1000) };
    // Level 1: half the CPU of the default for nearly the same size (the sim serves thousands).
    return writeZip([entry], { level: 1 });
  }

  fitSha256(a: StoredActivity): string {
    if (!a.sha256) this.fit(a);
    return a.sha256!;
  }

  /** Local calendar dates of the generated history: the account's yesterday back `days` days, newest first. */
  historyDates(): string[] {
    const out: string[] = [];
    for (let k = 1; k <= this.days; k++) out.push(this.localDate(this.createdAtS - k * 86400));
    return out;
  }
}
