// The health throughput floor: the least a health sync must do — ask Garmin (the sim) for the same
// answers the sync asks for (the day's summary first, then the per-day endpoints that summary says
// have data, and the range endpoints per 28 days), with the same concurrency, writing each answer
// to disk. No database, no parsing beyond the summary's few presence fields, no fsync.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { request } from './http-json.mjs';

const RANGE_DAYS = 28;

async function pool(items, concurrency, fn) {
  let i = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (i < items.length) {
        const k = i++;
        await fn(items[k], k);
      }
    }),
  );
}

/** The `days + 1` dates ending today, oldest first. */
export function healthDates(today, days) {
  const out = [];
  for (let k = days; k >= 0; k--) out.push(new Date(Date.parse(`${today}T00:00:00Z`) - k * 86_400_000).toISOString().slice(0, 10));
  return out;
}

/** Downloads every answer a first health sync of `days` days reads, to `outDir`; returns the day count. */
export async function floorHealth({ simUrl, token, displayName, concurrency, outDir, days, today }) {
  await mkdir(outDir, { recursive: true });
  const name = encodeURIComponent(displayName);
  const get = async (path) => {
    const r = await request('GET', `${simUrl}${path}`, { headers: { authorization: `Bearer ${token}` } });
    if (r.status !== 200 && r.status !== 204) throw new Error(`floor: ${path} → ${r.status}`);
    return r.body;
  };
  const save = (file, body) => writeFile(join(outDir, file), body);
  const dates = healthDates(today, days);
  const calls = [];
  for (let k = 0; k < dates.length; k += RANGE_DAYS) {
    const a = dates[k];
    const b = dates[Math.min(dates.length - 1, k + RANGE_DAYS - 1)];
    calls.push(async () => {
      await save(`hrv-${a}.json`, await get(`/hrv-service/hrv/daily/${a}/${b}`));
      await save(`maxmet-${a}.json`, await get(`/metrics-service/metrics/maxmet/daily/${a}/${b}`));
      await save(`weight-${a}.json`, await get(`/weight-service/weight/range/${a}/${b}?includeAll=true`));
      await save(`hydration-${a}.json`, await get(`/usersummary-service/stats/hydration/daily/${a}/${b}`));
    });
  }
  for (const d of dates) {
    calls.push(async () => {
      const summary = await get(`/usersummary-service/usersummary/daily/${name}?calendarDate=${d}`);
      await save(`summary-${d}.json`, summary);
      const s = JSON.parse(summary.toString('utf8'));
      const has = (k) => s[k] !== null && s[k] !== undefined;
      const any = s.includesWellnessData === true || ['totalSteps', 'restingHeartRate', 'sleepingSeconds', 'averageStressLevel'].some(has);
      if (!any) return;
      const paths = [
        [`hr-${d}`, `/wellness-service/wellness/dailyHeartRate/${name}?date=${d}`],
        [`stress-${d}`, `/wellness-service/wellness/dailyStress/${d}`],
        [`steps-${d}`, `/wellness-service/wellness/dailySummaryChart/${name}?date=${d}`],
      ];
      if (has('sleepingSeconds')) {
        paths.push([`sleep-${d}`, `/sleep-service/sleep/dailySleepData?date=${d}`]);
        paths.push([`readiness-${d}`, `/metrics-service/metrics/trainingreadiness/${d}`]);
      }
      if (has('averageSpo2') || has('lowestSpo2')) paths.push([`spo2-${d}`, `/wellness-service/wellness/daily/spo2/${d}`]);
      if (has('avgWakingRespirationValue')) paths.push([`resp-${d}`, `/wellness-service/wellness/daily/respiration/${d}`]);
      for (const [file, path] of paths) await save(`${file}.json`, await get(path));
    });
  }
  await pool(calls, concurrency, (fn) => fn());
  return dates.length;
}
