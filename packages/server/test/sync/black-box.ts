import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import type { RunningSim } from '@fitsync/garmin-sim';
import { postJson } from '../helpers/spawn-server.js';
import { assertHealthTruth } from './health-truth.js';

/** JSON over real HTTP with a bearer token (tests only; the product uses node:http). */
// biome-ignore lint/suspicious/noExplicitAny: tests read ad-hoc JSON answers field by field
export async function authed(method: string, url: string, token: string, body?: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: any }> {
  const r = await fetch(url, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    signal: AbortSignal.timeout(20_000),
  });
  const text = await r.text();
  return { status: r.status, body: text ? JSON.parse(text) : null };
}

/** Signs in over HTTP and links the sim account through PUT /v1/garmin/connection; returns the token. */
export async function signInAndLink(base: string, username: string, password: string, garminEmail: string): Promise<string> {
  const login = await postJson(`${base}/v1/auth/login`, { username, password });
  assert.equal(login.status, 200, JSON.stringify(login.body));
  const token = login.body.access_token as string;
  const link = await authed('PUT', `${base}/v1/garmin/connection`, token, { email: garminEmail, password: 'garmin-pw' });
  assert.equal(link.status, 200, JSON.stringify(link.body));
  return token;
}

/** Polls a job until it ends or `timeoutMs` passes; tolerates the server being down meanwhile. */
export async function waitForEnd(base: () => string, token: string, jobId: string, timeoutMs: number) {
  const until = Date.now() + timeoutMs;
  for (;;) {
    try {
      const r = await authed('GET', `${base()}/v1/sync/jobs/${jobId}`, token);
      if (['completed', 'failed', 'cancelled'].includes(r.body?.status)) return r.body;
    } catch {
      // between restarts
    }
    if (Date.now() > until) throw new Error(`job ${jobId} did not end within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The original FIT file `GET /v1/activities/{id}/fit` serves, or null when it answers otherwise. */
export async function downloadFit(base: string, token: string, activityId: string): Promise<Buffer | null> {
  const r = await fetch(`${base}/v1/activities/${activityId}/fit`, { headers: { authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(20_000) });
  const bytes = Buffer.from(await r.arrayBuffer());
  return r.status === 200 ? bytes : null;
}

/** Asserts what the API serves (FIT files included, whichever blob store holds them) equals the sim's truth. */
export async function assertTruthOverApi(base: string, token: string, sim: RunningSim, email: string) {
  const truth = sim.truth(email);
  const got: { activity_id: string; fit_sha256: string | null }[] = [];
  let cursor: string | null = null;
  do {
    const r: { body: { activities: { activity_id: string; fit_sha256: string }[]; next_cursor: string | null } } = await authed(
      'GET',
      `${base}/v1/activities?limit=1000${cursor ? `&cursor=${cursor}` : ''}`,
      token,
    );
    for (const a of r.body.activities) {
      const bytes = a.fit_sha256 ? await downloadFit(base, token, a.activity_id) : null;
      got.push({ activity_id: a.activity_id, fit_sha256: bytes ? createHash('sha256').update(bytes).digest('hex') : null });
    }
    cursor = r.body.next_cursor;
  } while (cursor);
  assert.equal(got.length, truth.activities.length, 'activity count');
  // both newest first; the truth's decoding fields (laps, records, …) are checked by the decode tests
  assert.deepEqual(got, truth.activities.map(({ activity_id, fit_sha256 }) => ({ activity_id, fit_sha256 })));
  const days = (await authed('GET', `${base}/v1/health/daily`, token)).body.days.map((d: { date: string }) => d.date);
  assert.deepEqual(days, [...truth.days].sort());
  const workouts = (await authed('GET', `${base}/v1/workouts`, token)).body.workouts.map((x: { workout_id: string }) => x.workout_id);
  assert.deepEqual([...workouts].sort(), [...truth.workouts].sort());
  await assertHealthTruth(async (path) => {
    const r = await authed('GET', `${base}${path}`, token);
    assert.equal(r.status, 200, `${path}: ${JSON.stringify(r.body)}`);
    return r.body;
  }, truth);
}
