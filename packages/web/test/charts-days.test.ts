import assert from 'node:assert/strict';
import { test } from 'node:test';
import { addDays, daysBetween, dayTicks, fillDays, localDay, shortDay } from '../src/charts/days.js';

test('day arithmetic crosses months, leap days and years', () => {
  assert.equal(addDays('2024-02-28', 1), '2024-02-29');
  assert.equal(addDays('2023-02-28', 1), '2023-03-01');
  assert.equal(addDays('2026-12-31', 1), '2027-01-01');
  assert.equal(addDays('2026-03-01', -29), '2026-01-31');
  assert.equal(daysBetween('2026-01-01', '2026-12-31'), 364);
  assert.equal(daysBetween('2026-03-10', '2026-03-01'), -9);
  // The European clock change (29 March 2026) changes nothing: days are counted on the date alone.
  assert.equal(daysBetween('2026-03-28', '2026-03-30'), 2);
});

test('a malformed day is an error, not NaN', () => {
  assert.throws(() => addDays('2026-3-1', 1), /not a calendar day/);
});

test('localDay is the browser-local calendar day', () => {
  assert.equal(localDay(new Date(2026, 0, 5, 23, 59)), '2026-01-05');
  assert.equal(localDay(new Date(2026, 11, 31, 0, 0)), '2026-12-31');
});

test('fillDays gives every day of the period, null for days without data', () => {
  const values = new Map([
    ['2026-02-27', 52],
    ['2026-03-01', 50],
    ['2026-03-09', 99], // outside the period: ignored
  ]);
  assert.deepEqual(fillDays('2026-02-27', '2026-03-02', values), [
    { day: '2026-02-27', value: 52 },
    { day: '2026-02-28', value: null },
    { day: '2026-03-01', value: 50 },
    { day: '2026-03-02', value: null },
  ]);
  assert.equal(fillDays('2025-12-07', '2026-12-06', new Map()).length, 365);
});

test('shortDay names the month and adds a year only when it differs', () => {
  assert.equal(shortDay('2026-03-05'), 'Mar 5');
  assert.equal(shortDay('2025-12-24', 2026), 'Dec 24, 2025');
  assert.equal(shortDay('2026-12-24', 2026), 'Dec 24');
});

test('day ticks: weekly for 30 days, fortnightly for 90, monthly for a year', () => {
  assert.deepEqual(
    dayTicks('2026-11-07', 30, 6).map((t) => [t.index, t.label]),
    [
      [0, 'Nov 7'],
      [7, 'Nov 14'],
      [14, 'Nov 21'],
      [21, 'Nov 28'],
      [28, 'Dec 5'],
    ],
  );
  const q = dayTicks('2026-09-08', 90, 7);
  assert.deepEqual(
    q.map((t) => t.index),
    [0, 14, 28, 42, 56, 70, 84],
  );
  // A year from 7 Dec 2025: the first of every second month inside it, January with its year.
  const y = dayTicks('2025-12-07', 365, 7);
  assert.deepEqual(
    y.map((t) => t.label),
    ['Jan 2026', 'Mar', 'May', 'Jul', 'Sep', 'Nov'],
  );
  assert.equal(y[0]!.index, 25);
  assert.equal(y[5]!.index, daysBetween('2025-12-07', '2026-11-01'));
  // A period starting on the first includes it; fewer than `max` days tick every day.
  assert.equal(dayTicks('2026-01-01', 365, 12)[0]!.label, 'Jan 2026');
  assert.deepEqual(
    dayTicks('2026-03-01', 3, 6).map((t) => t.label),
    ['Mar 1', 'Mar 2', 'Mar 3'],
  );
  assert.deepEqual(dayTicks('2026-03-01', 0), []);
});
