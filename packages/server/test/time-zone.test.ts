import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { describeZone, isTimeZone, localDay, localTomorrow, offsetOfActivity, UTC_DAYS } from '../src/sync/time-zone.js';

describe('account day zones', () => {
  const at = Date.UTC(2026, 5, 10, 23, 30); // 2026-06-10 23:30 UTC

  test('the local date of an instant in an IANA zone, a fixed offset and UTC', () => {
    assert.equal(localDay(at, { zone: 'Pacific/Honolulu' }), '2026-06-10');
    assert.equal(localDay(at, { zone: 'Pacific/Fakaofo' }), '2026-06-11');
    assert.equal(localDay(at, { zone: 'Pacific/Kiritimati' }), '2026-06-11');
    assert.equal(localDay(at, UTC_DAYS), '2026-06-10');
    assert.equal(localDay(at, { offsetMinutes: 30 }), '2026-06-11');
    assert.equal(localDay(at, { offsetMinutes: -600 }), '2026-06-10');
    // A zone with daylight saving: Berlin is UTC+2 in June, UTC+1 in January.
    assert.equal(localDay(Date.UTC(2026, 5, 10, 22, 30), { zone: 'Europe/Berlin' }), '2026-06-11');
    assert.equal(localDay(Date.UTC(2026, 0, 10, 22, 30), { zone: 'Europe/Berlin' }), '2026-01-10');
    assert.equal(localTomorrow(at, { zone: 'Pacific/Tongatapu' }), '2026-06-12');
  });

  test('only real IANA names are zones (Garmin answers are outside input)', () => {
    for (const z of ['UTC', 'Pacific/Honolulu', 'America/Argentina/Buenos_Aires', 'Etc/GMT+10']) assert.ok(isTimeZone(z), z);
    for (const z of ['', 'Mars/Olympus', '+01:00', '../etc/passwd', 'A'.repeat(80), null, 42, undefined]) assert.ok(!isTimeZone(z), String(z));
  });

  test("an activity's offset: startTimeLocal − startTimeGMT, in quarter hours, within real offsets", () => {
    assert.deepEqual(offsetOfActivity('2026-06-10 03:15:00', '2026-06-10 13:15:00'), { offsetMinutes: -600 });
    assert.deepEqual(offsetOfActivity('2026-06-11 00:45:07', '2026-06-10 19:15:07'), { offsetMinutes: 330 });
    assert.deepEqual(offsetOfActivity('2026-06-10T13:15:00.0', '2026-06-10T13:15:00.0'), { offsetMinutes: 0 });
    assert.equal(offsetOfActivity('2026-06-12 00:00:00', '2026-06-10 00:00:00'), null, 'two days apart is no offset');
    assert.equal(offsetOfActivity('garbage', '2026-06-10 00:00:00'), null);
  });

  test('zones read well in logs', () => {
    assert.equal(describeZone({ zone: 'Pacific/Honolulu' }), 'Pacific/Honolulu');
    assert.equal(describeZone({ offsetMinutes: 330 }), 'UTC+05:30');
    assert.equal(describeZone({ offsetMinutes: -600 }), 'UTC−10:00');
  });
});
