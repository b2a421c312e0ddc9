import { hash, verify } from '@node-rs/argon2';

/** Hashes and verifies passwords. */
export interface PasswordHasher {
  hash(password: string): Promise<string>;
  verify(hashed: string, password: string): Promise<boolean>;
}

/** argon2id cost parameters (memory in KiB). */
export interface Argon2Cost {
  memoryCost: number;
  timeCost: number;
  parallelism: number;
}

/** The product minimum (spec "Security rules"; OWASP's argon2id baseline): m=19 MiB, t=2, p=1. */
export const PRODUCTION_ARGON2: Argon2Cost = { memoryCost: 19456, timeCost: 2, parallelism: 1 };

// `Algorithm` is a const enum in @node-rs/argon2's typings, which isolatedModules cannot inline.
const ARGON2ID = 2;

/** argon2id via @node-rs/argon2. */
export function argon2Hasher(cost: Argon2Cost = PRODUCTION_ARGON2): PasswordHasher {
  // biome-ignore lint/suspicious/noExplicitAny: const enum value passed as its number (see above)
  const options = { ...cost, algorithm: ARGON2ID as any };
  return {
    hash: (password) => hash(password, options),
    verify: async (hashed, password) => {
      try {
        return await verify(hashed, password);
      } catch {
        return false;
      }
    },
  };
}
