import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { type RunningSim, startSim } from '@fitsync/garmin-sim';
import { createPgSchema, type PgSchema } from '../src/testing/pg-schema.js';
import { dialects } from './helpers/dialects.js';
import { cleanEnv, postJson, runBin, type SpawnedServer, spawnServer } from './helpers/spawn-server.js';

/** JSON over real HTTP with a bearer token. */
// biome-ignore lint/suspicious/noExplicitAny: tests read ad-hoc JSON answers field by field
async function authed(method: string, url: string, token: string, body?: unknown): Promise<{ status: number; body: any }> {
  const r = await fetch(url, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await r.text();
  return { status: r.status, body: text ? JSON.parse(text) : null };
}

// The Garmin MFA pause is data in the shared database: the password goes to one instance, the
// code to another (garmin-protocol.md, "The MFA pause must survive between HTTP requests").
const pgCase = (await dialects()).find((d) => d.dialect === 'postgres');
describe('Garmin linking across two server processes on one PostgreSQL database', {
  skip: pgCase ? pgCase.skip : 'postgres not in FITSYNC_TEST_DIALECTS',
}, () => {
  const tmp = mkdtempSync(join(tmpdir(), 'fitsync-garmin-bin-'));
  let schema: PgSchema | undefined;
  let sim: RunningSim | undefined;
  const servers: SpawnedServer[] = [];
  after(async () => {
    for (const s of servers) await s.stop();
    await sim?.close();
    await schema?.drop();
    rmSync(tmp, { recursive: true, force: true });
  });

  test('password on instance A, Garmin code on instance B → connected, read from either', async () => {
    sim = await startSim({ seed: 'garmin-two-instances' });
    const garminPassword = 'PLANTED-two-instance-garmin-pw';
    sim.createUser({ email: 'runner@example.com', password: garminPassword, mfa: 'email', activities: 3, days: 3 });
    schema = await createPgSchema();
    const env = (name: string) =>
      cleanEnv({
        FITSYNC_DATABASE_URL: schema!.url,
        FITSYNC_SECRET_KEY: 'shared-secret-key-for-both-instances-0123456789',
        FITSYNC_DATA_DIR: join(tmp, name),
        FITSYNC_GARMIN_SSO_URL: sim!.url,
        FITSYNC_GARMIN_API_URL: sim!.url,
        FITSYNC_GARMIN_DIAUTH_URL: sim!.url,
        FITSYNC_WORKERS: '0',
        FITSYNC_LOG_LEVEL: 'debug',
      });
    const [a, b] = await Promise.all([spawnServer(['--port', '0'], env('a')), spawnServer(['--port', '0'], env('b'))]);
    servers.push(a!, b!);
    const add = await runBin(['user', 'add', 'linker', '--password-stdin'], env('c'), 'fitsync pass phrase');
    assert.equal(add.code, 0, add.stderr);
    const login = await postJson(`${a!.url}/v1/auth/login`, { username: 'linker', password: 'fitsync pass phrase' });
    assert.equal(login.status, 200);
    const token = login.body.access_token as string;

    const started = await authed('PUT', `${a!.url}/v1/garmin/connection`, token, { email: 'runner@example.com', password: garminPassword });
    assert.equal(started.status, 202, JSON.stringify(started.body));
    assert.equal(started.body.status, 'mfa_required');
    const code = sim.mfaCode('runner@example.com');
    assert.ok(code);
    assert.equal((await authed('GET', `${b!.url}/v1/garmin/connection`, token)).body.status, 'not_connected');

    const done = await authed('POST', `${b!.url}/v1/garmin/connection/mfa`, token, { challenge_id: started.body.challenge_id, code });
    assert.equal(done.status, 200, JSON.stringify(done.body));
    assert.equal(done.body.status, 'connected');
    for (const s of [a!, b!]) {
      const st = await authed('GET', `${s.url}/v1/garmin/connection`, token);
      assert.equal(st.body.status, 'connected');
      assert.equal(st.body.display_name, done.body.display_name);
    }
    // the challenge was spent on B; A sees it as gone
    const replay = await authed('POST', `${a!.url}/v1/garmin/connection/mfa`, token, { challenge_id: started.body.challenge_id, code });
    assert.equal(replay.status, 410);

    for (const s of servers.splice(0)) {
      assert.equal(await s.stop(), 0);
      const logs = s.stderr();
      assert.ok(!logs.includes(garminPassword), 'the Garmin password is not in the logs');
      assert.ok(!logs.includes(`"${code}"`), 'the Garmin code is not in the logs');
    }
  });
});
