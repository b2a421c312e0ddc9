/**
 * An independent deriver for the health tests: the derivation rules of the health brief
 * (docs/health-data.md), applied to the sim's JSON answers exactly as a client sees them. It shares no code
 * with the sim, so the sim's /truth can be checked against it.
 */

type Json = Record<string, unknown>;
type Pt = [number, number];
export type Fetch = (path: string) => Promise<{ status: number; text: string }>;

const MAX_DAYS = 28;
const DAY_MS = 86_400_000;
const num = (v: unknown): number | null => (typeof v === 'number' ? v : null);
const gmtMs = (s: string) => Date.parse(`${s.slice(0, 19)}Z`);
const keep = (points: Array<[number, unknown]>): Pt[] =>
  points.filter((p): p is Pt => typeof p[1] === 'number' && p[1] >= 0).map(([t, v]) => [t, v]);
const parse = (r: { status: number; text: string }) => (r.status === 204 || r.text === '' ? null : JSON.parse(r.text));

export interface Derived {
  fields: Record<string, unknown>;
  series: Record<string, Pt[]>;
}

/** Range answers over [from, to], asked in ≤ 28-day chunks, indexed by calendar date. */
export async function deriveRanges(get: Fetch, from: string, to: string) {
  const hrv = new Map<string, Json>();
  const vo2 = new Map<string, Json>();
  const hydration = new Map<string, Json>();
  const weighIns: Json[] = [];
  for (let t = Date.parse(`${from}T00:00:00Z`); t <= Date.parse(`${to}T00:00:00Z`); t += MAX_DAYS * DAY_MS) {
    const a = new Date(t).toISOString().slice(0, 10);
    const b = new Date(Math.min(t + (MAX_DAYS - 1) * DAY_MS, Date.parse(`${to}T00:00:00Z`))).toISOString().slice(0, 10);
    const h = parse(await get(`/hrv-service/hrv/daily/${a}/${b}`)) as { hrvSummaries: Json[] } | null;
    for (const s of h?.hrvSummaries ?? []) hrv.set(s.calendarDate as string, s);
    for (const m of parse(await get(`/metrics-service/metrics/maxmet/daily/${a}/${b}`)) as Json[]) {
      vo2.set((m.generic as Json).calendarDate as string, m);
    }
    for (const x of parse(await get(`/usersummary-service/stats/hydration/daily/${a}/${b}`)) as Json[]) {
      hydration.set(x.calendarDate as string, x);
    }
    const w = parse(await get(`/weight-service/weight/range/${a}/${b}?includeAll=true`)) as { dailyWeightSummaries: Json[] };
    for (const d of w.dailyWeightSummaries) weighIns.push(...(d.allWeightMetrics as Json[]));
  }
  weighIns.sort((x, y) => (x.timestampGMT as number) - (y.timestampGMT as number));
  return { hrv, vo2, hydration, weighIns };
}

export type Ranges = Awaited<ReturnType<typeof deriveRanges>>;

/** One day's fields and series, asking only what the sync would ask (see docs/health-data.md "Which calls the sync makes"). */
export async function deriveDay(get: Fetch, name: string, date: string, ranges: Ranges): Promise<Derived> {
  const s = parse(await get(`/usersummary-service/usersummary/daily/${name}?calendarDate=${date}`)) as Json;
  const f: Record<string, unknown> = { date };
  const series: Record<'heart_rate' | 'stress' | 'body_battery' | 'respiration' | 'spo2' | 'steps' | 'sleep_stages', Pt[]> = {
    heart_rate: [],
    stress: [],
    body_battery: [],
    respiration: [],
    spo2: [],
    steps: [],
    sleep_stages: [],
  };
  const map: Array<[string, string]> = [
    ['steps', 'totalSteps'],
    ['distance_m', 'totalDistanceMeters'],
    ['calories', 'totalKilocalories'],
    ['active_calories', 'activeKilocalories'],
    ['floors', 'floorsAscended'],
    ['resting_hr', 'restingHeartRate'],
    ['min_hr', 'minHeartRate'],
    ['max_hr', 'maxHeartRate'],
    ['avg_stress', 'averageStressLevel'],
    ['max_stress', 'maxStressLevel'],
    ['body_battery_high', 'bodyBatteryHighestValue'],
    ['body_battery_low', 'bodyBatteryLowestValue'],
    ['body_battery_charged', 'bodyBatteryChargedValue'],
    ['body_battery_drained', 'bodyBatteryDrainedValue'],
    ['spo2_avg', 'averageSpo2'],
    ['spo2_low', 'lowestSpo2'],
    ['respiration_avg', 'avgWakingRespirationValue'],
  ];
  for (const [api, garmin] of map) f[api] = num(s[garmin]);
  const mod = num(s.moderateIntensityMinutes);
  const vig = num(s.vigorousIntensityMinutes);
  f.intensity_minutes = mod === null && vig === null ? null : (mod ?? 0) + 2 * (vig ?? 0);
  for (const k of ['sleep_start', 'sleep_end', 'sleep_s', 'sleep_deep_s', 'sleep_light_s', 'sleep_rem_s', 'sleep_awake_s', 'sleep_score']) {
    f[k] = null;
  }
  f.training_readiness = null;

  const noData = map.every(([, g]) => s[g] === null || s[g] === undefined) && s.includesWellnessData === false;
  if (!noData) {
    const hr = parse(await get(`/wellness-service/wellness/dailyHeartRate/${name}?date=${date}`)) as Json;
    series.heart_rate = keep((hr.heartRateValues as Array<[number, unknown]>) ?? []);
    const st = parse(await get(`/wellness-service/wellness/dailyStress/${date}`)) as Json | null;
    series.stress = keep((st?.stressValuesArray as Array<[number, unknown]>) ?? []);
    series.body_battery = keep(((st?.bodyBatteryValuesArray as unknown[][]) ?? []).map((r) => [r[0] as number, r[2]]));
    const chart = parse(await get(`/wellness-service/wellness/dailySummaryChart/${name}?date=${date}`)) as Json[];
    series.steps = keep(chart.map((b) => [gmtMs(b.startGMT as string), b.steps]));
    if (s.sleepingSeconds !== null) {
      const sl = parse(await get(`/sleep-service/sleep/dailySleepData?date=${date}`)) as Json;
      const dto = sl.dailySleepDTO as Json;
      const iso = (ms: unknown) => (typeof ms === 'number' ? new Date(ms).toISOString() : null);
      f.sleep_start = iso(dto.sleepStartTimestampGMT);
      f.sleep_end = iso(dto.sleepEndTimestampGMT);
      f.sleep_s = num(dto.sleepTimeSeconds);
      f.sleep_deep_s = num(dto.deepSleepSeconds);
      f.sleep_light_s = num(dto.lightSleepSeconds);
      f.sleep_rem_s = num(dto.remSleepSeconds);
      f.sleep_awake_s = num(dto.awakeSleepSeconds);
      f.sleep_score = num(((dto.sleepScores as Json | undefined)?.overall as Json | undefined)?.value);
      for (const l of (sl.sleepLevels as Json[] | null) ?? []) {
        const last = series.sleep_stages.at(-1);
        if (last?.[1] !== l.activityLevel) series.sleep_stages.push([gmtMs(l.startGMT as string), l.activityLevel as number]);
      }
      const tr = parse(await get(`/metrics-service/metrics/trainingreadiness/${date}`)) as Json[];
      const pick = tr.find((x) => x.inputContext === 'AFTER_WAKEUP_RESET') ?? tr[0];
      f.training_readiness = pick ? num(pick.score) : null;
    }
    if (s.averageSpo2 !== null || s.lowestSpo2 !== null) {
      const o = parse(await get(`/wellness-service/wellness/daily/spo2/${date}`)) as Json;
      series.spo2 = keep(((o.continuousReadingDTOList as Json[]) ?? []).map((r) => [gmtMs(r.epochTimestamp as string), r.spo2Reading]));
    }
    if (s.avgWakingRespirationValue !== null) {
      const r = parse(await get(`/wellness-service/wellness/daily/respiration/${date}`)) as Json;
      series.respiration = keep((r.respirationValuesArray as Array<[number, unknown]>) ?? []);
    }
  }
  const hrv = ranges.hrv.get(date);
  f.hrv_nightly_avg_ms = num(hrv?.lastNightAvg);
  f.hrv_status = (hrv?.status as string | undefined) ?? null;
  const vo2 = ranges.vo2.get(date);
  const vo2Of = (x: unknown) => (x ? (num((x as Json).vo2MaxPreciseValue) ?? num((x as Json).vo2MaxValue)) : null);
  f.vo2max_running = vo2Of(vo2?.generic);
  f.vo2max_cycling = vo2Of(vo2?.cycling);
  const latest = ranges.weighIns.filter((w) => w.calendarDate === date).at(-1);
  f.weight_g = num(latest?.weight);
  f.body_fat_pct = num(latest?.bodyFat);
  f.muscle_mass_g = num(latest?.muscleMass);
  f.bone_mass_g = num(latest?.boneMass);
  f.body_water_pct = num(latest?.bodyWater);
  f.bmi = num(latest?.bmi);
  f.hydration_ml = num(ranges.hydration.get(date)?.valueInML);
  return { fields: f, series };
}

/** docs/health-data.md: a day has data when any field but date is non-null or any series has a point. */
export function hasData(d: Derived): boolean {
  return Object.entries(d.fields).some(([k, v]) => k !== 'date' && v !== null) || Object.values(d.series).some((s) => s.length > 0);
}
