import type { Runtime } from '@fitsync/runtime';
import type { SecretBox } from '../crypto/secret-box.js';
import type { Db } from '../db/db.js';
import { clearGarminBackoff, garminBackoffUntil, recordGarminBlock } from '../repositories/garmin-signin-backoffs.js';
import { findGarminSigninUser, setGarminCooldown, setGarminSigninAccount } from '../repositories/garmin-signin-cooldowns.js';

/** First back-off after a block: Garmin's sign-in throttling lasts about an hour. */
export const BACKOFF_FIRST_MS = 3_600_000;
/** Longest back-off, however many blocks in a row. */
export const BACKOFF_MAX_MS = 86_400_000;

/** The wait after the `level`'th block in a row: 1 h, 2 h, 4 h … capped at 24 h. */
export function backoffWaitMs(level: number): number {
  return Math.min(BACKOFF_MAX_MS, BACKOFF_FIRST_MS * 2 ** Math.min(Math.max(0, level - 1), 10));
}

/**
 * Sign-in back-off per Garmin account (product.md §D): after Garmin throttles (429) or Cloudflare
 * blocks a sign-in, no sign-in of that account reaches Garmin until the back-off ends — retrying
 * makes Garmin block longer. Shared by every instance through the database; keyed by an HMAC of
 * the normalised e-mail, so the table holds no address. The per-user row remembers the account
 * the user last signed in with (for the MFA step and the connection status).
 */
export class GarminSigninBackoff {
  constructor(private readonly d: { db: Db; runtime: Runtime; secretBox: SecretBox }) {}

  /** The account's key: Garmin e-mails are case-insensitive, so trimmed, NFC, lower case. */
  accountKey(email: string): string {
    return this.d.secretBox.keyedHash(email.trim().normalize('NFC').toLowerCase(), 'garmin-account');
  }

  /** Until when the account's sign-ins are held back (epoch ms); 0 or past when free. */
  untilForAccount(accountKey: string): Promise<number> {
    return garminBackoffUntil(this.d.db, accountKey);
  }

  /** The later of the user's MFA-step cool-down and the back-off of the account the user last signed in with. */
  async untilForUser(userId: string): Promise<number> {
    const row = await findGarminSigninUser(this.d.db, userId);
    if (!row) return 0;
    const account = row.account_key ? await garminBackoffUntil(this.d.db, row.account_key) : 0;
    return Math.max(row.until_ms, account);
  }

  /** The key of the account the user last signed in with, if known. */
  async accountOf(userId: string): Promise<string | null> {
    return (await findGarminSigninUser(this.d.db, userId))?.account_key ?? null;
  }

  remember(userId: string, accountKey: string): Promise<void> {
    return setGarminSigninAccount(this.d.db, userId, accountKey);
  }

  /** Records a block of the account's sign-in; returns when its back-off ends. */
  recordBlock(accountKey: string, retryAfterS: number): Promise<number> {
    const now = this.d.runtime.now();
    return this.d.db.transaction((tx) => recordGarminBlock(tx, accountKey, now, backoffWaitMs, Math.max(0, retryAfterS) * 1000));
  }

  /** A throttled MFA step of a user whose account is unknown (signed in before migration 36): the old per-user cool-down. */
  async recordUserCooldown(userId: string, retryAfterS: number): Promise<number> {
    const until = this.d.runtime.now() + Math.max(1, retryAfterS) * 1000;
    await setGarminCooldown(this.d.db, userId, until);
    return until;
  }

  clear(accountKey: string): Promise<void> {
    return clearGarminBackoff(this.d.db, accountKey);
  }
}
