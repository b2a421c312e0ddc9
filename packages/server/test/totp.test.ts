import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { base32Decode, base32Encode } from '../src/crypto/base32.js';
import { matchTotpStep, totp, totpCode } from '../src/crypto/totp.js';

// RFC 6238 Appendix B, SHA-1 rows: the seed is the ASCII string "12345678901234567890".
const SEED = Buffer.from('12345678901234567890', 'ascii');
const VECTORS: [number, string][] = [
  [59, '94287082'],
  [1111111109, '07081804'],
  [1111111111, '14050471'],
  [1234567890, '89005924'],
  [2000000000, '69279037'],
  [20000000000, '65353130'],
];

describe('TOTP (RFC 6238)', () => {
  test('Appendix B SHA-1 test vectors (8 digits)', () => {
    for (const [t, want] of VECTORS) assert.equal(totp(SEED, t * 1000, 8), want, `T=${t}`);
  });

  test('6-digit codes are the last six digits of the same values', () => {
    for (const [t, want] of VECTORS) assert.equal(totp(SEED, t * 1000), want.slice(2), `T=${t}`);
  });

  test('base32 round trip and the helper for authenticator-style secrets', () => {
    const secret = base32Encode(SEED);
    assert.equal(secret, 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ');
    assert.deepEqual(base32Decode(secret.toLowerCase()), SEED);
    assert.equal(totpCode(secret, 59_000), '287082');
    assert.throws(() => base32Decode('not base32!'));
  });

  test('accepts the previous, current and next step only', () => {
    const now = 1_111_111_111_000;
    const step = Math.floor(now / 30_000);
    for (const d of [-1, 0, 1]) assert.equal(matchTotpStep(SEED, totp(SEED, now + d * 30_000), now), step + d);
    for (const d of [-2, 2]) assert.equal(matchTotpStep(SEED, totp(SEED, now + d * 30_000), now), null);
    assert.equal(matchTotpStep(SEED, 'abcdef', now), null);
    assert.equal(matchTotpStep(SEED, '12345', now), null);
  });
});
