import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { RECORD_FIELDS, type RecordField } from '@fitsync/api';
import { startSim } from '@fitsync/garmin-sim';
import { mulberry32 } from '@fitsync/runtime/mulberry32';
import { assertSameValues, expectedPoint, type Mesg } from './helpers/fit-oracle.js';
import { Decoder, Encoder, Profile, Stream } from '@garmin/fitsdk';
import { decodeFit } from '../src/activities/fit-decode.js';
import { decodeRecords, encodeRecords, type RecordColumns, SEMICIRCLE_DEG } from '../src/activities/records-codec.js';

function assertExact(got: RecordColumns, want: RecordColumns, count: number, what: string): void {
  for (const f of RECORD_FIELDS) {
    assert.equal(got[f].length, count, `${what} ${f} length`);
    for (let i = 0; i < count; i++) {
      const w = want[f][i] ?? null;
      if (!Object.is(got[f][i], w)) assert.fail(`${what}: ${f}[${i}] = ${got[f][i]}, want ${w}`);
    }
  }
}

function roundTrip(columns: RecordColumns, count: number, what: string, deflate = true): Buffer {
  const bytes = encodeRecords(columns, count, { deflate });
  const back = decodeRecords(bytes);
  assert.equal(back.count, count, what);
  assertExact(back.columns, columns, count, what);
  return bytes;
}

/** A value generator per field, in the shapes FIT files give (on the SDK's grid) or not (arbitrary doubles). */
function column(field: RecordField, n: number, rnd: () => number, shape: 'grid' | 'wild', nullRate: number): (number | null)[] {
  const out: (number | null)[] = [];
  let t = Date.UTC(2026, 0, 1) + Math.floor(rnd() * 1e9) * 1000;
  let semi = Math.floor((rnd() - 0.5) * 2 ** 32);
  for (let i = 0; i < n; i++) {
    // Huge gaps now and then (a paused watch, a position jump across the globe).
    t += rnd() < 0.02 ? Math.floor(rnd() * 1e7) * 1000 : 1000 * (1 + Math.floor(rnd() * 10));
    semi = rnd() < 0.02 ? Math.floor((rnd() - 0.5) * 2 ** 32) : semi + Math.floor((rnd() - 0.5) * 20000);
    let v: number;
    if (shape === 'wild') v = rnd() < 0.5 ? (rnd() - 0.5) * 10 ** Math.floor(rnd() * 12) : (rnd() - 0.5) * 1e-7;
    else if (field === 'time') v = t;
    else if (field === 'lat' || field === 'lon') v = semi * SEMICIRCLE_DEG;
    else if (field === 'altitude_m') v = Math.floor(rnd() * 65535) / 5 - 500;
    else if (field === 'speed_mps') v = Math.floor(rnd() * 65535) / 1000;
    else if (field === 'distance_m') v = Math.floor(rnd() * 2 ** 32) / 100;
    else if (field === 'temperature_c') v = Math.floor(rnd() * 256) - 128;
    else v = Math.floor(rnd() * 2000);
    out.push(rnd() < nullRate ? null : v);
  }
  return out;
}

describe('records codec', () => {
  test('random columns on the SDK grid and off it, with nulls, negatives and huge gaps, come back identical', () => {
    for (let seed = 1; seed <= 200; seed++) {
      const rnd = mulberry32(seed);
      const n = seed % 10 === 0 ? 0 : Math.floor(rnd() * 600) + 1;
      const columns = {} as RecordColumns;
      for (const f of RECORD_FIELDS) {
        const nullRate = [0, 0, 0.1, 0.5, 1][Math.floor(rnd() * 5)]!;
        columns[f] = column(f, n, rnd, rnd() < 0.2 ? 'wild' : 'grid', nullRate);
      }
      roundTrip(columns, n, `seed ${seed}`, seed % 2 === 0);
    }
  });

  test('special doubles (-0, extremes, values next to the grid) fall back to exact float64', () => {
    const special = [-0, 0, Number.MAX_VALUE, Number.MIN_VALUE, -Number.MAX_SAFE_INTEGER, 2 ** 60, 0.1 + 0.2, 1 / 3, 98.20000000000002];
    const columns = {} as RecordColumns;
    for (const f of RECORD_FIELDS) columns[f] = special;
    roundTrip(columns, special.length, 'special');
    for (const f of RECORD_FIELDS) columns[f] = [-0, -0, null, -0];
    roundTrip(columns, 4, 'negative zeros');
  });

  test('sim activities: exact, and at most 16 bytes a point', async () => {
    const sim = await startSim({ seed: 'codec-test' });
    try {
      sim.createUser({ email: 'c@example.com', password: 'pw', activities: 20, days: 0 });
      const user = sim.state.users.get('c@example.com')!;
      let bytes = 0;
      let points = 0;
      for (const a of sim.truth('c@example.com').activities) {
        const d = decodeFit(user.fit(user.find(a.activity_id)!));
        assert.equal(d.error, null);
        bytes += d.records!.length;
        points += d.recordCount!;
      }
      assert.ok(points > 0);
      assert.ok(bytes / points <= 16, `${(bytes / points).toFixed(2)} bytes a point`);
    } finally {
      await sim.close();
    }
  });

  test('damaged input is refused, not misread', () => {
    const columns = {} as RecordColumns;
    for (const f of RECORD_FIELDS) columns[f] = [1, 2, null, 4];
    const good = encodeRecords(columns, 4, { deflate: false });
    assert.throws(() => decodeRecords(good.subarray(0, good.length - 1)), /records: truncated/);
    assert.throws(() => decodeRecords(Buffer.concat([good, Buffer.from([0])])), /records: trailing bytes/);
    assert.throws(() => decodeRecords(Buffer.from([9, 0, 0])), /unknown encoding version/);
    const badMode = Buffer.from(good);
    badMode[3] = 0x7f;
    assert.throws(() => decodeRecords(badMode), /bad column mode/);
  });
});

describe('FIT decoding', () => {
  test('a file whose values come from component expansion (compressed speed/distance) decodes as the default read does', () => {
    const e = new Encoder();
    const t0 = Date.UTC(2026, 0, 1);
    e.writeMesg({ mesgNum: Profile.MesgNum.FILE_ID, type: 'activity', manufacturer: 'garmin', product: 3113, serialNumber: 1234, timeCreated: new Date(t0) } as never);
    for (let i = 0; i < 50; i++) {
      const csd = [(i * 40 + 3) % 256, 16 * (i % 16) + 1, (i * 7) % 256];
      e.writeMesg({ mesgNum: Profile.MesgNum.RECORD, timestamp: new Date(t0 + i * 1000), compressedSpeedDistance: csd, heartRate: 100 + i, altitude: 100 + i * 0.2 } as never);
    }
    const bytes = Buffer.from(e.close());
    const sdk = new Decoder(Stream.fromBuffer(bytes)).read();
    assert.deepEqual(sdk.errors, []);
    const want = (sdk.messages as unknown as { recordMesgs: Mesg[] }).recordMesgs.map(expectedPoint);
    assert.equal(typeof want[1]![RECORD_FIELDS.indexOf('speed_mps')], 'number', 'speed comes from the compressed field');
    const d = decodeFit(bytes);
    assert.equal(d.error, null);
    const { columns, count } = decodeRecords(d.records!);
    const got = Array.from({ length: count }, (_, i) => RECORD_FIELDS.map((f) => columns[f][i]!));
    assertSameValues(got, want, 'compressed speed/distance');
    assert.deepEqual(d.device, { manufacturer: 'garmin', product: 'fr945', serial_number: '1234', software_version: null });
  });


  test('files the SDK rejects give a short decode_error and nothing else', async () => {
    const sim = await startSim({ seed: 'decode-errors' });
    try {
      sim.createUser({ email: 'd@example.com', password: 'pw', activities: 1, days: 0 });
      const user = sim.state.users.get('d@example.com')!;
      const fit = user.fit(user.find(sim.truth('d@example.com').activities[0]!.activity_id)!);
      assert.equal(decodeFit(fit).error, null);
      const flipped = Buffer.from(fit);
      flipped[Math.floor(fit.length / 2)]! ^= 0xff;
      const cases: [Buffer, RegExp][] = [
        [Buffer.from('PK\u0003\u0004 not a fit file at all'), /^not a FIT file$/],
        [Buffer.alloc(0), /^not a FIT file$/],
        [fit.subarray(0, fit.length - 100), /size or CRC check failed/],
        [flipped, /size or CRC check failed/],
      ];
      for (const [bytes, want] of cases) {
        const d = decodeFit(bytes);
        assert.match(d.error ?? '', want);
        assert.ok(d.error!.length <= 200);
        // Nothing but the reason: no partial laps or records from a file the SDK did not accept.
        assert.equal(d.records, null);
        assert.equal(d.recordCount, null);
        assert.deepEqual([d.laps, d.recordFields, d.device, d.sport, d.subSport], [[], [], null, null, null]);
      }
    } finally {
      await sim.close();
    }
  });
});
