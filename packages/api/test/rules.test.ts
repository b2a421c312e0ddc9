import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isCalendarDate, isDateTime, isIdempotencyKey, isJobId } from '../src/rules.js';

test('calendar dates: YYYY-MM-DD naming a real day', () => {
  for (const ok of ['2026-01-31', '2024-02-29', '2000-02-29', '1970-01-01', '0099-12-31']) assert.equal(isCalendarDate(ok), true, ok);
  for (const bad of ['2026-02-29', '1900-02-29', '2026-02-30', '2026-13-01', '2026-00-10', '2026-04-31', '2026-1-01', '26-01-01', '2026-01-01T00:00:00Z', ' 2026-01-01', '']) {
    assert.equal(isCalendarDate(bad), false, bad);
  }
});

test('date-times: RFC 3339 with an offset and a real day', () => {
  for (const ok of ['2026-06-01T12:00:00.000Z', '2026-06-01T12:00:00Z', '2026-06-01t23:59:60+14:00', '2026-06-01 00:00:00-05:30']) assert.equal(isDateTime(ok), true, ok);
  for (const bad of ['2026-06-01T12:00:00', '2026-02-30T12:00:00Z', '2026-06-01T24:00:00Z', '2026-06-01T12:60:00Z', '2026-06-01T12:00:00+25:00', '2026-06-01', 'yesterday']) {
    assert.equal(isDateTime(bad), false, bad);
  }
});

test('idempotency keys and job ids', () => {
  assert.equal(isIdempotencyKey('k-1'), true);
  assert.equal(isIdempotencyKey('x'.repeat(200)), true);
  for (const bad of ['', 'has space', 'x'.repeat(201), 'tab\t', 'é']) assert.equal(isIdempotencyKey(bad), false, bad);
  assert.equal(isJobId('0b7c1e9a0b7c1e9a0b7c1e9a0b7c1e9a'), true);
  assert.equal(isJobId('job-1'), true);
  for (const bad of ['', '../x', 'a/b', 'x'.repeat(65), 'a b', 'a?b']) assert.equal(isJobId(bad), false, bad);
});
