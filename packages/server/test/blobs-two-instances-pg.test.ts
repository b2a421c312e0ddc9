import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { type RunningSim, startSim } from '@fitsync/garmin-sim';
import { createUser } from '../src/services/user-admin.js';
import { createPgSchema, type PgSchema } from '../src/testing/pg-schema.js';
import { startTestServer, type TestServer } from '../src/testing/test-server.js';
import { call } from './helpers/api.js';
import { uploadExists } from './helpers/blobs.js';
import { dialects } from './helpers/dialects.js';
import { buildExport, simExportActivities } from './helpers/export-archive.js';
import { userWithSession } from './helpers/flows.js';
import { pgServerPair } from './helpers/pg-server-pair.js';
import { postJson } from './helpers/spawn-server.js';
import { authed, downloadFit, signInAndLink, waitForEnd } from './sync/black-box.js';

// Issue 13, acceptance: instances on one PostgreSQL with different data dirs share nothing but the
// database (FITSYNC_BLOB_STORE defaults to db there). What one stored, the other serves.
const pgCase = (await dialects()).find((d) => d.dialect === 'postgres');
const skip = pgCase ? pgCase.skip : 'postgres not in FITSYNC_TEST_DIALECTS';

async function get(url: string, token: string): Promise<{ status: number; bytes: Buffer }> {
  const r = await fetch(url, { headers: { authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(20_000) });
  return { status: r.status, bytes: Buffer.from(await r.arrayBuffer()) };
}

/** No FIT file or upload lives in a data dir. */
function assertNoBlobFiles(dataDir: string): void {
  const fit = join(dataDir, 'fit');
  assert.ok(!existsSync(fit) || readdirSync(fit).length === 0, `FIT files under ${fit}`);
  const imports = join(dataDir, 'imports');
  const uploads = existsSync(imports) ? readdirSync(imports).filter((n) => n.endsWith('.zip')) : [];
  assert.deepEqual(uploads, [], `uploads under ${imports}`);
}

describe('two server processes on one PostgreSQL, each with its own data dir', { skip }, () => {
  const start = pgServerPair('blobs-two');

  test('a sync through one; FIT downloads and exports through the other, byte-identical to the sim and between the instances', async () => {
    // Only `a` has workers: the sync certainly runs (and stores) there.
    const { sim, a, b, db, dataDirs } = await start('blobs-two', { FITSYNC_WORKERS: '1' }, { FITSYNC_WORKERS: '0' });
    const email = 'two@example.com';
    sim.createUser({ email, password: 'garmin-pw', mfa: null, activities: 8, days: 2, workouts: 0 });
    await createUser(db, 'two', 'pass phrase');
    const tokenA = await signInAndLink(a.url, 'two', 'pass phrase', email);
    const job = await authed('POST', `${a.url}/v1/sync/jobs`, tokenA, { sync_type: 'activities' });
    assert.equal(job.status, 202, JSON.stringify(job.body));
    const end = await waitForEnd(() => a.url, tokenA, job.body.job_id, 120_000);
    assert.equal(end.status, 'completed', end.error_message);
    const login = await postJson(`${b.url}/v1/auth/login`, { username: 'two', password: 'pass phrase' });
    const tokenB = login.body.access_token as string;

    const truth = sim.truth(email).activities.filter((x) => x.fit_sha256);
    assert.ok(truth.length >= 6, 'activities with FIT files to compare');
    const exported = new Set<string>();
    for (const t of truth) {
      const fromB = await downloadFit(b.url, tokenB, t.activity_id);
      assert.ok(fromB, `b serves the FIT file of ${t.activity_id}`);
      assert.equal(createHash('sha256').update(fromB).digest('hex'), t.fit_sha256, 'the original bytes');
      assert.deepEqual(await downloadFit(a.url, tokenA, t.activity_id), fromB);
      for (const format of ['gpx', 'tcx', 'csv', 'fit']) {
        const viaB = await get(`${b.url}/v1/activities/${t.activity_id}/export?format=${format}`, tokenB);
        const viaA = await get(`${a.url}/v1/activities/${t.activity_id}/export?format=${format}`, tokenA);
        // An indoor activity has no track to export as GPX (422): the same answer on both.
        assert.equal(viaA.status, viaB.status, `${format}: ${viaB.bytes.toString().slice(0, 200)}`);
        if (viaB.status === 200) exported.add(format);
        assert.ok(viaB.bytes.length > 0);
        assert.deepEqual(viaA.bytes, viaB.bytes, `${format} export of ${t.activity_id}`);
        if (format === 'fit') assert.deepEqual(viaB.bytes, fromB);
      }
    }
    assert.deepEqual([...exported].sort(), ['csv', 'fit', 'gpx', 'tcx'], 'every format exported at least once');
    for (const d of dataDirs) assertNoBlobFiles(d);
  });
});

describe('two instances on one PostgreSQL: an import uploaded through one, its job run by the other', { skip }, () => {
  let schema: PgSchema | undefined;
  let sim: RunningSim | undefined;
  const servers: TestServer[] = [];
  after(async () => {
    for (const s of servers) await s.close();
    await sim?.close();
    await schema?.drop();
  });

  test('the archive goes through the database; every activity and FIT file arrives', async () => {
    sim = await startSim({ seed: 'blobs-import' });
    schema = await createPgSchema();
    // No worker loops: the test decides which instance runs the job (each server has its own data dir).
    const env = { FITSYNC_SECRET_KEY: 'shared-secret-key-for-both-instances-0123456789', FITSYNC_WORKERS: '0' };
    for (let i = 0; i < 2; i++) servers.push(await startTestServer({ dialect: 'postgres', databaseUrl: schema.url, env }));
    const [a, b] = servers as [TestServer, TestServer];
    assert.notEqual(a.dataDir, b.dataDir);
    const pair = await userWithSession(a.app, a.db, 'importer');
    const me = await call(a.app, 'GET', '/v1/me', { token: pair.access_token });
    const email = 'importer@example.com';
    sim.createUser({ email, password: 'garmin-pw', mfa: null, activities: 5, days: 0, workouts: 0 });
    // Deflated nested parts are spilled to b's own (missing until then) scratch dir.
    const archive = await buildExport(simExportActivities(sim, email), { parts: 2, partMethod: 'deflate' });
    const r = await fetch(`${a.url}/v1/imports`, {
      method: 'POST',
      headers: { authorization: `Bearer ${pair.access_token}`, 'content-type': 'application/zip' },
      body: archive,
    });
    const imp = (await r.json()) as { import_id: string; job_id: string; status: string };
    assert.equal(r.status, 201, JSON.stringify(imp));
    assert.equal(imp.status, 'started');
    assert.equal(await uploadExists(b.app.deps.blobs, imp.import_id), true, 'b sees the upload a received');
    assertNoBlobFiles(a.dataDir);
    // b's worker (test servers run none on their own) takes the job.
    while (await b.app.deps.syncWorkers.runOnce()) {}
    const job = await call(b.app, 'GET', `/v1/sync/jobs/${imp.job_id}`, { token: pair.access_token });
    assert.equal(job.body.status, 'completed', JSON.stringify(job.body));
    const truth = sim.truth(email).activities.filter((x) => x.fit_sha256);
    const list = await call(a.app, 'GET', '/v1/activities?limit=100', { token: pair.access_token });
    assert.deepEqual(
      list.body.activities.map((x: { activity_id: string; fit_sha256: string }) => [x.activity_id, x.fit_sha256]).sort(),
      truth.map((x) => [x.activity_id, x.fit_sha256]).sort(),
    );
    for (const t of truth) {
      const fromA = await downloadFit(a.url, pair.access_token, t.activity_id);
      assert.equal(fromA && createHash('sha256').update(fromA).digest('hex'), t.fit_sha256);
    }
    assert.equal(await uploadExists(a.app.deps.blobs, imp.import_id), false, 'the upload is deleted once its job ended');
    assert.equal(me.status, 200);
    for (const d of [a.dataDir, b.dataDir]) assertNoBlobFiles(d);
  });
});
