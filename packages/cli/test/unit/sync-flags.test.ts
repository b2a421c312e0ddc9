import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import * as download from '../../src/cmd/activities/download.js';
import * as activitiesList from '../../src/cmd/activities/list.js';
import * as cancel from '../../src/cmd/sync/cancel.js';
import * as list from '../../src/cmd/sync/list.js';
import * as start from '../../src/cmd/sync/start.js';
import * as status from '../../src/cmd/sync/status.js';
import { UsageError } from '../../src/errors.js';

const input = (flags: Record<string, string | boolean> = {}, positionals: string[] = []) => ({ flags, positionals, env: {} });

describe('sync and activities: flags → options', () => {
  test('sync start defaults and full set', () => {
    assert.deepEqual(start.parse(input()), { type: 'all', full: false, wait: false });
    assert.deepEqual(
      start.parse(input({ type: 'activities', since: '2024-02-29', until: '2024-03-01', wait: true, 'idempotency-key': 'k-1' })),
      { type: 'activities', since: '2024-02-29', until: '2024-03-01', full: false, wait: true, idempotencyKey: 'k-1' },
    );
    assert.deepEqual(start.parse(input({ full: true, until: '2026-01-01' })), { type: 'all', until: '2026-01-01', full: true, wait: false });
  });

  test('sync start refuses bad types, unreal dates, reversed ranges, --full with --since, bad keys', () => {
    const bad: Record<string, string | boolean>[] = [
      { type: 'everything' },
      { since: '2026-02-29' }, // 2026 is not a leap year
      { since: '2026-13-01' },
      { since: '2026-1-1' },
      { until: '26-01-01' },
      { since: '2026-04-31' },
      { since: '2026-03-02', until: '2026-03-01' },
      { full: true, since: '2026-01-01' },
      { 'idempotency-key': 'has space' },
      { 'idempotency-key': 'x'.repeat(201) },
      { 'idempotency-key': '' },
    ];
    for (const flags of bad) assert.throws(() => start.parse(input(flags)), UsageError, JSON.stringify(flags));
    // since = until is a one-day window.
    assert.equal(start.parse(input({ since: '2026-03-01', until: '2026-03-01' })).since, '2026-03-01');
  });

  test('sync status / cancel ids', () => {
    assert.deepEqual(status.parse(input()), { watch: false });
    assert.deepEqual(status.parse(input({ watch: true }, ['0b7c1e9a-1c2d'])), { watch: true, jobId: '0b7c1e9a-1c2d' });
    assert.throws(() => status.parse(input({}, ['../../etc'])), UsageError);
    assert.deepEqual(cancel.parse(input({}, ['j1'])), { jobId: 'j1' });
    assert.throws(() => cancel.parse(input()), /JOB_ID is required/);
  });

  test('sync list limit and status', () => {
    assert.deepEqual(list.parse(input()), { limit: 20 });
    assert.deepEqual(list.parse(input({ limit: '5', status: 'failed' })), { limit: 5, status: 'failed' });
    for (const flags of [{ limit: '0' }, { limit: '201' }, { limit: '2.5' }, { limit: '-1' }, { status: 'done' }] as Record<string, string>[]) {
      assert.throws(() => list.parse(input(flags)), UsageError, JSON.stringify(flags));
    }
  });

  test('activities list and download', () => {
    assert.deepEqual(activitiesList.parse(input()), { limit: 50 });
    assert.deepEqual(activitiesList.parse(input({ limit: '2000', since: '2026-01-01' })), { limit: 2000, since: '2026-01-01' });
    assert.throws(() => activitiesList.parse(input({ since: '2026-01-32' })), UsageError);
    assert.deepEqual(download.parse(input({}, ['18234567890'])), { activityId: '18234567890', out: '18234567890.fit', force: false });
    assert.deepEqual(download.parse(input({ out: '-', force: true }, ['1'])), { activityId: '1', out: '-', force: true });
    assert.throws(() => download.parse(input()), /ACTIVITY_ID is required/);
    assert.throws(() => download.parse(input({}, ['a/b'])), UsageError);
  });
});
