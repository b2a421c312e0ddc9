import { createHash } from 'node:crypto';

/**
 * SHA-256 of a high-entropy secret (refresh token, recovery code), hex. A fast hash is enough for
 * 64+ bit random values: they cannot be brute-forced from the stored hash.
 */
export function hashToken(value: string): string {
  return createHash('sha256').update(value, 'utf8').digest('hex');
}
