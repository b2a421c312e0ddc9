import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatDate, formatDateTime, formatDistance, formatDuration, formatNumber, formatPace } from '../../src/format.js';

test('formatDuration: h:mm:ss from an hour on, m:ss below', () => {
  assert.equal(formatDuration(3725), '1:02:05');
  assert.equal(formatDuration(65), '1:05');
  assert.equal(formatDuration(0), '0:00');
  assert.equal(formatDuration(59.6), '1:00');
  assert.equal(formatDuration(36000), '10:00:00');
  for (const bad of [null, undefined, -1, Number.NaN]) assert.equal(formatDuration(bad), '—');
});

test('formatDistance: kilometres with two decimals', () => {
  assert.equal(formatDistance(10234), '10.23 km');
  assert.equal(formatDistance(0), '0.00 km');
  assert.equal(formatDistance(null), '—');
});

test('formatPace: minutes per kilometre from m/s', () => {
  assert.equal(formatPace(1000 / 300), '5:00 /km');
  assert.equal(formatPace(1000 / 271), '4:31 /km');
  assert.equal(formatPace(0), '—');
  assert.equal(formatPace(0.2), '—'); // 83 min/km: standing, not running
  assert.equal(formatPace(null), '—');
});

test('formatDate keeps a calendar date on its day whatever the time zone', () => {
  const shown = formatDate('2026-03-01');
  assert.match(shown, /1/);
  assert.equal(shown, new Date(2026, 2, 1).toLocaleDateString(undefined, { dateStyle: 'medium' }));
  assert.equal(formatDate(null), '—');
  assert.equal(formatDateTime('not a date'), '—');
  assert.notEqual(formatDateTime('2026-03-01T10:00:00Z'), '—');
});

test('formatNumber groups digits and fixes decimals', () => {
  assert.equal(formatNumber(12345), (12345).toLocaleString(undefined, { maximumFractionDigits: 0, minimumFractionDigits: 0 }));
  assert.equal(formatNumber(1.25, 1), (1.25).toLocaleString(undefined, { maximumFractionDigits: 1, minimumFractionDigits: 1 }));
  assert.equal(formatNumber(Number.POSITIVE_INFINITY), '—');
});
