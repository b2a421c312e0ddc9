import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ConfigError, loadConfig } from '../src/config.js';

const base = { HOME: '/tmp/fitsync-config-test' };
const load = (env: Record<string, string>) => loadConfig({}, { ...base, ...env });

describe('config: many users, many machines (spec §F)', () => {
  test('defaults: blobs in the data dir with SQLite, in the database with PostgreSQL; 90 d jobs; proxy off', () => {
    const c = load({});
    assert.equal(c.blobs.store, 'fs');
    assert.equal(c.blobs.gcEveryMs, 6 * 3600_000);
    assert.equal(c.blobs.gcGraceMs, 3600_000);
    assert.equal(c.retention.jobRetentionMs, 90 * 86_400_000);
    assert.equal(c.retention.purgeEveryMs, 3600_000);
    assert.equal(c.trustProxy, null);
    assert.equal(c.sync.deploymentRps, 10);
    assert.equal(c.sync.jobSliceMs, 30_000);
    assert.equal(load({ FITSYNC_DATABASE_URL: 'postgres://u@127.0.0.1/db' }).blobs.store, 'db');
    assert.equal(load({ FITSYNC_DATABASE_URL: '/tmp/x.db' }).blobs.store, 'fs');
  });

  test('explicit values', () => {
    const c = load({
      FITSYNC_BLOB_STORE: 'DB',
      FITSYNC_BLOB_GC_EVERY: '15m',
      FITSYNC_BLOB_GC_GRACE: '2h',
      FITSYNC_JOB_RETENTION: '30d',
      FITSYNC_PURGE_EVERY: '10m',
      FITSYNC_GARMIN_DEPLOYMENT_RPS: '0',
      FITSYNC_JOB_SLICE: '5s',
      FITSYNC_TRUST_PROXY: '127.0.0.1, 10.0.0.0/8,::1,fd00::/8',
    });
    assert.equal(c.blobs.store, 'db');
    assert.equal(c.blobs.gcEveryMs, 900_000);
    assert.equal(c.blobs.gcGraceMs, 7_200_000);
    assert.equal(c.retention.jobRetentionMs, 30 * 86_400_000);
    assert.equal(c.retention.purgeEveryMs, 600_000);
    assert.equal(c.sync.deploymentRps, 0);
    assert.equal(c.sync.jobSliceMs, 5000);
    assert.deepEqual(c.trustProxy, ['127.0.0.1', '10.0.0.0/8', '::1', 'fd00::/8']);
    assert.equal(load({ FITSYNC_DATABASE_URL: 'postgres://u@h/db', FITSYNC_BLOB_STORE: 'fs' }).blobs.store, 'fs');
    assert.equal(load({ FITSYNC_TRUST_PROXY: 'OFF' }).trustProxy, null);
  });

  test('bad values name the variable', () => {
    const bad: [string, string][] = [
      ['FITSYNC_BLOB_STORE', 's3'],
      ['FITSYNC_BLOB_GC_EVERY', '6 hours'],
      ['FITSYNC_BLOB_GC_GRACE', '0s'],
      ['FITSYNC_JOB_RETENTION', '-1d'],
      ['FITSYNC_PURGE_EVERY', 'often'],
      ['FITSYNC_JOB_SLICE', '30'],
      ['FITSYNC_GARMIN_DEPLOYMENT_RPS', 'ten'],
      ['FITSYNC_TRUST_PROXY', 'true'],
      ['FITSYNC_TRUST_PROXY', '10.0.0.0/33'],
      ['FITSYNC_TRUST_PROXY', 'proxy.example.com'],
      ['FITSYNC_TRUST_PROXY', '1.2.3.4/8/9'],
      ['FITSYNC_TRUST_PROXY', ' , '],
    ];
    for (const [name, value] of bad) {
      assert.throws(
        () => load({ [name]: value }),
        (err: unknown) => err instanceof ConfigError && err.message.includes(name),
        `${name}=${value}`,
      );
    }
  });
});
