import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import { signJwt, verifyJwt } from '../src/crypto/jwt.js';
import { SecretBox } from '../src/crypto/secret-box.js';

describe('SecretBox (AES-256-GCM)', () => {
  const box = new SecretBox(randomBytes(32));

  test('round trip, fresh IV each time, no plaintext in the output', () => {
    const a = box.seal('JBSWY3DPEHPK3PXP', 'totp:u1');
    const b = box.seal('JBSWY3DPEHPK3PXP', 'totp:u1');
    assert.notEqual(a, b);
    assert.ok(!a.includes('JBSWY3DPEHPK3PXP'));
    assert.equal(box.openText(a, 'totp:u1'), 'JBSWY3DPEHPK3PXP');
  });

  test('refuses tampering, another context and another key', () => {
    const sealed = box.seal('secret', 'ctx');
    const parts = sealed.split('.');
    const data = Buffer.from(parts[3]!, 'base64url');
    data[0]! ^= 1;
    parts[3] = data.toString('base64url');
    assert.throws(() => box.open(parts.join('.'), 'ctx'));
    assert.throws(() => box.open(sealed, 'other'));
    assert.throws(() => new SecretBox(randomBytes(32)).open(sealed, 'ctx'));
  });

  test('refuses a truncated authentication tag (only full 16-byte GCM tags)', () => {
    const sealed = box.seal('secret', 'ctx');
    const parts = sealed.split('.');
    const tag = Buffer.from(parts[2]!, 'base64url');
    assert.equal(tag.length, 16);
    // The first 4 bytes of the true tag: a decipher without a pinned tag length verifies them.
    parts[2] = tag.subarray(0, 4).toString('base64url');
    assert.throws(() => box.open(parts.join('.'), 'ctx'), /malformed sealed value/);
    parts[2] = tag.subarray(0, 12).toString('base64url');
    assert.throws(() => box.open(parts.join('.'), 'ctx'), /malformed sealed value/);
  });
});

describe('access token JWT (HS256)', () => {
  const key = randomBytes(32);
  const now = Date.UTC(2026, 0, 1);
  const claims = { sub: 'u', sid: 's', mfa: true, iat: now / 1000, exp: now / 1000 + 900 };

  test('verifies its own tokens until they expire', () => {
    const t = signJwt(claims, key);
    assert.deepEqual(verifyJwt(t, key, now), claims);
    assert.equal(verifyJwt(t, key, now + 900_000), null);
  });

  test('rejects other keys, edited payloads and alg=none', () => {
    const t = signJwt(claims, key);
    assert.equal(verifyJwt(t, randomBytes(32), now), null);
    const [h, , s] = t.split('.');
    const forged = Buffer.from(JSON.stringify({ ...claims, sub: 'admin' })).toString('base64url');
    assert.equal(verifyJwt(`${h}.${forged}.${s}`, key, now), null);
    const none = Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url');
    assert.equal(verifyJwt(`${none}.${forged}.`, key, now), null);
    assert.equal(verifyJwt('garbage', key, now), null);
  });
});
