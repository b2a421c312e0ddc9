// The throughput floor: the least any sync must do — list the activities, download every FIT
// (as the zip Garmin serves) and every health answer a sync asks for, with the same concurrency,
// writing each answer to disk. No database, no parsing beyond paging, no fsync.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { json, request } from './http-json.mjs';

/** Signs in to the sim the way the mobile app does (mobile JSON API → DI token); returns a Bearer token. */
export async function simToken(simUrl, email, password) {
  const q = new URLSearchParams({ clientId: 'GCM_ANDROID_DARK', locale: 'en-US', service: 'https://mobile.integration.garmin.com/gcm/android' });
  const login = await json('POST', `${simUrl}/mobile/api/login?${q}`, { body: { username: email, password, rememberMe: false, captchaToken: '' } });
  const ticket = login.body.serviceTicketId;
  const clientId = 'GARMIN_CONNECT_MOBILE_ANDROID_DI_2025Q2';
  const form = new URLSearchParams({
    client_id: clientId,
    service_ticket: ticket,
    grant_type: 'https://connectapi.garmin.com/di-oauth2-service/oauth/grant/service_ticket',
    service_url: 'https://mobile.integration.garmin.com/gcm/android',
  }).toString();
  const tok = await request('POST', `${simUrl}/di-oauth2-service/oauth/token`, {
    headers: { authorization: `Basic ${Buffer.from(`${clientId}:`).toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' },
    body: form,
  });
  if (tok.status !== 200) throw new Error(`sim token exchange answered ${tok.status}`);
  return JSON.parse(tok.body.toString('utf8')).access_token;
}

export async function pool(items, concurrency, fn) {
  let i = 0;
  const workers = Array.from({ length: concurrency }, async () => {
    while (i < items.length) {
      const k = i++;
      await fn(items[k], k);
    }
  });
  await Promise.all(workers);
}

/** Downloads everything a full sync of `days` days would, to `outDir`; returns the item count. */
export async function floorDownload({ simUrl, token, displayName, concurrency, outDir, days, today }) {
  await mkdir(join(outDir, 'fit'), { recursive: true });
  await mkdir(join(outDir, 'days'), { recursive: true });
  const get = async (path) => {
    const r = await request('GET', `${simUrl}${path}`, { headers: { authorization: `Bearer ${token}` } });
    // 204: Garmin's "no data" for some health answers (HRV).
    if (r.status !== 200 && r.status !== 204) throw new Error(`floor: ${path} → ${r.status}`);
    return r.body;
  };
  let items = 0;
  // Pages are listed one by one (each page's ids are needed for the next step), downloads in parallel.
  for (let start = 0; ; start += 100) {
    const text = (await get(`/activitylist-service/activities/search/activities?start=${start}&limit=100`)).toString('utf8');
    // Activity ids exceed 2^53: read them from the text, not through JSON numbers.
    const ids = [...text.matchAll(/"activityId":\s*(\d+)/g)].map((m) => m[1]);
    if (ids.length === 0) break;
    await pool(ids, concurrency, async (id) => {
      const zip = await get(`/download-service/files/activity/${id}`);
      await writeFile(join(outDir, 'fit', `${id}.zip`), zip);
      items++;
    });
  }
  const dates = [];
  for (let k = days; k >= 0; k--) dates.push(new Date(Date.parse(`${today}T00:00:00Z`) - k * 86_400_000).toISOString().slice(0, 10));
  const name = encodeURIComponent(displayName);
  // The same answers a health sync asks for (common.md "Which calls the sync makes"): the summary,
  // then what it says exists; four range answers per 28 days.
  await pool(dates, concurrency, async (d) => {
    const summary = await get(`/usersummary-service/usersummary/daily/${name}?calendarDate=${d}`);
    await writeFile(join(outDir, 'days', `${d}.json`), summary);
    const s = JSON.parse(summary.toString('utf8') || 'null') ?? {};
    const keys = ['totalSteps', 'totalDistanceMeters', 'totalKilocalories', 'activeKilocalories', 'floorsAscended', 'moderateIntensityMinutes',
      'vigorousIntensityMinutes', 'restingHeartRate', 'minHeartRate', 'maxHeartRate', 'averageStressLevel', 'maxStressLevel',
      'bodyBatteryHighestValue', 'bodyBatteryLowestValue', 'bodyBatteryChargedValue', 'bodyBatteryDrainedValue', 'averageSpo2', 'lowestSpo2',
      'avgWakingRespirationValue', 'sleepingSeconds'];
    const paths = [];
    if (s.includesWellnessData === true || keys.some((k) => s[k] !== null && s[k] !== undefined)) {
      paths.push(`/wellness-service/wellness/dailyHeartRate/${name}?date=${d}`, `/wellness-service/wellness/dailyStress/${d}`,
        `/wellness-service/wellness/dailySummaryChart/${name}?date=${d}`);
      if (s.sleepingSeconds != null) paths.push(`/sleep-service/sleep/dailySleepData?date=${d}`, `/metrics-service/metrics/trainingreadiness/${d}`);
      if (s.averageSpo2 != null || s.lowestSpo2 != null) paths.push(`/wellness-service/wellness/daily/spo2/${d}`);
      if (s.avgWakingRespirationValue != null) paths.push(`/wellness-service/wellness/daily/respiration/${d}`);
    }
    for (const [i, path] of paths.entries()) await writeFile(join(outDir, 'days', `${d}-${i}.json`), await get(path));
    items++;
  });
  for (let k = 0; k < dates.length; k += 28) {
    const a = dates[k];
    const b = dates[Math.min(dates.length - 1, k + 27)];
    for (const path of [`/weight-service/weight/range/${a}/${b}?includeAll=true`, `/hrv-service/hrv/daily/${a}/${b}`,
      `/metrics-service/metrics/maxmet/daily/${a}/${b}`, `/usersummary-service/stats/hydration/daily/${a}/${b}`]) {
      await writeFile(join(outDir, 'days', `${path.split('/')[1]}-${a}.json`), await get(path));
    }
  }
  return items;
}
