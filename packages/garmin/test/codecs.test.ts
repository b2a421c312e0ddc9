/** Exact JSON, the zip reader and the cookie jar. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { garminGmtMs } from '../src/json-fields.js';
import { CookieJar, crc32, extractFitFromZip, garminGmtToIso, parseExactJson, readZip, writeZip, ZipFormatError } from '../src/index.js';

describe('parseExactJson', () => {
  test('integers above 2^53 come back as exact strings; everything else untouched', () => {
    const v = parseExactJson(
      '{"a":9007199254740993,"b":-9223372036854775808,"c":21482825013,"d":"9007199254740993","e":1.5e300,"f":[18446744073709551615],"g":"x\\"9999999999999999999"}',
    ) as Record<string, unknown>;
    assert.equal(v.a, '9007199254740993');
    assert.equal(v.b, '-9223372036854775808');
    assert.equal(v.c, 21482825013);
    assert.equal(v.d, '9007199254740993');
    assert.equal(v.e, 1.5e300);
    assert.deepEqual(v.f, ['18446744073709551615']);
    assert.equal(v.g, 'x"9999999999999999999');
  });
  test('2^53-1 stays a number', () => {
    assert.equal(parseExactJson('9007199254740991'), 9007199254740991);
  });
  test('a huge integer first in the text, or after any separator, is found by the fast pre-scan', () => {
    assert.equal(parseExactJson('18446744073709551615'), '18446744073709551615');
    assert.deepEqual(parseExactJson('[1,-18446744073709551615,\n18446744073709551616]'), [1, '-18446744073709551615', '18446744073709551616']);
    // Long runs of ordinary numbers (a day's series) parse as plain numbers.
    const series = Array.from({ length: 2000 }, (_, i) => [1_733_443_200_000 + i * 120_000, 60 + (i % 40)]);
    assert.deepEqual(parseExactJson(JSON.stringify(series)), series);
  });
});

describe('garminGmtToIso / garminGmtMs', () => {
  test('both of Garmin\'s zone-less GMT forms, fractions cut to milliseconds', () => {
    assert.equal(garminGmtToIso('2025-06-03 04:00:00'), '2025-06-03T04:00:00.000Z');
    assert.equal(garminGmtToIso('2025-06-03T04:15:00.0'), '2025-06-03T04:15:00.000Z');
    assert.equal(garminGmtMs('2023-07-02T11:54:17.128'), Date.UTC(2023, 6, 2, 11, 54, 17, 128));
    assert.equal(garminGmtMs('2023-07-02T11:54:17.1287'), Date.UTC(2023, 6, 2, 11, 54, 17, 128));
  });
  test('times that do not exist, or other spellings, are refused', () => {
    for (const bad of ['2026-02-30T00:00:00.0', '2026-13-01 00:00:00', '2026-01-01T24:00:00.0', '2026-01-01T10:60:00', '2026-01-01', '2026-01-01T10:00:00Z', '']) {
      assert.equal(garminGmtMs(bad), undefined, bad);
      assert.equal(garminGmtToIso(bad), undefined, bad);
    }
  });
});

describe('zip reader', () => {
  const data = Buffer.from('.FIT payload '.repeat(50));
  test('round trip with CRC-32 check; picks {id}_ACTIVITY.fit', () => {
    const zip = writeZip([
      { name: 'readme.txt', data: Buffer.from('x') },
      { name: '42_ACTIVITY.fit', data },
    ]);
    assert.deepEqual(readZip(zip).map((e) => e.name), ['readme.txt', '42_ACTIVITY.fit']);
    assert.deepEqual(extractFitFromZip(zip, '42'), data);
  });
  test('crc32 of a known vector', () => {
    assert.equal(crc32(Buffer.from('123456789')), 0xcbf43926);
  });
  test('stored entries and data descriptors (sizes read from the central directory)', () => {
    const zip = writeZip([{ name: 'a.fit', data }]);
    // Rewrite as a stored entry with zeroed local sizes, as streaming zippers do.
    const name = Buffer.from('a.fit');
    const loc = Buffer.alloc(30);
    loc.writeUInt32LE(0x04034b50, 0);
    loc.writeUInt16LE(0x8, 6);
    loc.writeUInt16LE(name.length, 26);
    const cen = Buffer.alloc(46);
    cen.writeUInt32LE(0x02014b50, 0);
    cen.writeUInt16LE(0x8, 8);
    cen.writeUInt32LE(crc32(data), 16);
    cen.writeUInt32LE(data.length, 20);
    cen.writeUInt32LE(data.length, 24);
    cen.writeUInt16LE(name.length, 28);
    const desc = Buffer.alloc(16);
    const body = Buffer.concat([loc, name, data, desc]);
    const eocd = Buffer.alloc(22);
    eocd.writeUInt32LE(0x06054b50, 0);
    eocd.writeUInt16LE(1, 8);
    eocd.writeUInt16LE(1, 10);
    eocd.writeUInt32LE(46 + name.length, 12);
    eocd.writeUInt32LE(body.length, 16);
    assert.deepEqual(extractFitFromZip(Buffer.concat([body, cen, name, eocd])), data);
    assert.ok(zip.length > 0);
  });
  test('corrupt, truncated or foreign archives are typed errors', () => {
    const zip = writeZip([{ name: 'a.fit', data }]);
    assert.throws(() => readZip(zip.subarray(0, zip.length - 30)), ZipFormatError);
    assert.throws(() => readZip(Buffer.from('not a zip at all, just text')), ZipFormatError);
    const flipped = Buffer.from(zip);
    flipped[40] = flipped[40]! ^ 0xff;
    assert.throws(() => readZip(flipped), ZipFormatError);
    assert.throws(() => extractFitFromZip(writeZip([{ name: 'x.txt', data }])), /no \.fit/);
  });
});

describe('cookie jar', () => {
  test('survives JSON; honours host, path, expiry; loopback gets Secure cookies', () => {
    let now = 1_000_000;
    const jar = new CookieJar([], () => now);
    const sso = new URL('http://127.0.0.1:9/mobile/sso/en/sign-in');
    jar.setFromResponse(sso, [
      'SESSION=s1; Path=[REDACTED]; Secure; HttpOnly; SameSite=[REDACTED]',
      '__cf_bm=cf; path=/; expires=SANITIZED; domain=SANITIZED; HttpOnly; Secure',
      'short=x; Max-Age=10; Path=/',
      'gone=x; Max-Age=0',
    ]);
    const back = CookieJar.fromJSON(JSON.parse(JSON.stringify(jar)), () => now);
    assert.equal(back.headerFor(new URL('http://127.0.0.1:9/mobile/api/login')), 'SESSION=s1; __cf_bm=cf; short=x');
    assert.equal(back.headerFor(new URL('http://127.0.0.2:9/')), undefined, 'host-only');
    assert.equal(back.headerFor(new URL('http://example.com/')), undefined);
    now += 11_000;
    assert.equal(back.headerFor(new URL('http://127.0.0.1:9/x')), 'SESSION=s1; __cf_bm=cf');
    const remote = new CookieJar();
    remote.setFromResponse(new URL('https://sso.garmin.com/'), ['S=1; Secure', 'G=2; Domain=.garmin.com']);
    assert.equal(remote.headerFor(new URL('http://sso.garmin.com/')), 'G=2', 'Secure only over https off loopback');
    assert.equal(remote.headerFor(new URL('https://connect.garmin.com/')), 'G=2', 'domain cookie');
    assert.throws(() => CookieJar.fromJSON([{ name: 1 }]), TypeError);
  });
});
