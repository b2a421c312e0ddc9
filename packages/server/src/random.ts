import { randomBytes } from 'node:crypto';

/** Source of randomness; injected so tests can make ids and secrets predictable when they need to. */
export interface Random {
  bytes(n: number): Buffer;
}

/** Cryptographically secure randomness from node:crypto. */
export const cryptoRandom: Random = { bytes: (n) => randomBytes(n) };

/** A 128-bit random id as 32 lowercase hex characters. */
export function newId(random: Random): string {
  return random.bytes(16).toString('hex');
}
