import type { RecoveryCodes, TotpSetup } from '@fitsync/api';
import type { Runtime } from '@fitsync/runtime';
import { base32Decode, base32Encode } from '../crypto/base32.js';
import { hashToken } from '../crypto/hash-token.js';
import type { SecretBox } from '../crypto/secret-box.js';
import { matchTotpStep } from '../crypto/totp.js';
import type { Db, Queryable } from '../db/db.js';
import type { EventBus } from '../events/event-bus.js';
import { ApiError } from '../http/api-error.js';
import type { AuthMetrics } from '../metrics.js';
import { newId, type Random } from '../random.js';
import { deleteRecoveryCodes, replaceRecoveryCodes, useRecoveryCode } from '../repositories/recovery-codes.js';
import { confirmTotp, deleteTotp, findTotp, putPendingTotp, type TotpRow, useTotpStep } from '../repositories/totp-credentials.js';
import { revokeOtherSessions } from '../repositories/sessions.js';
import { findUserById } from '../repositories/users.js';
import { publishRevoked } from './publish-revoked.js';
import type { ThrottleService } from './throttle-service.js';

/** A second factor as submitted: a TOTP code or a recovery code. */
export type Factor = { code: string } | { recovery_code: string };

export const RECOVERY_CODE_COUNT = 10;
const ISSUER = 'FitSync';
const RECOVERY_ALPHABET = 'abcdefghijklmnopqrstuvwxyz234567';

export interface MfaServiceDeps {
  db: Db;
  runtime: Runtime;
  random: Random;
  secretBox: SecretBox;
  throttle: ThrottleService;
  metrics: AuthMetrics;
  /** Where revocations are published: event streams of the revoked sessions end at once. */
  events: EventBus;
}

const invalidCode = (attemptsLeft?: number) =>
  new ApiError(401, 'invalid_mfa_code', 'The code is not valid.', attemptsLeft === undefined ? {} : { attempts_left: attemptsLeft });

/** TOTP enrolment (RFC 6238) and recovery codes; also checks second factors for sign-in. */
export class MfaService {
  constructor(private readonly d: MfaServiceDeps) {}

  /** Creates (or replaces) a pending TOTP secret; MFA stays off until `confirm`. */
  async setup(userId: string): Promise<TotpSetup> {
    const user = await findUserById(this.d.db, userId);
    if (!user) throw new ApiError(404, 'not_found');
    // 160-bit secret: the HMAC-SHA-1 key length RFC 4226 §4 recommends.
    const secret = base32Encode(this.d.random.bytes(20));
    const stored = await putPendingTotp(this.d.db, userId, this.d.secretBox.seal(secret, totpContext(userId)), this.d.runtime.now());
    if (!stored) throw new ApiError(409, 'mfa_already_enabled', 'TOTP is already enabled; disable it first.');
    const label = encodeURIComponent(`${ISSUER}:${user.username}`);
    const otpauth_uri = `otpauth://totp/${label}?secret=${secret}&issuer=${ISSUER}&algorithm=SHA1&digits=6&period=30`;
    return { secret, otpauth_uri };
  }

  /**
   * Confirms the pending secret with a current code; turns MFA on and returns fresh recovery codes.
   * Every other session of the user is revoked in the same transaction (they were opened with the
   * password alone); `sessionId`, the one confirming, stays signed in.
   */
  async confirm(userId: string, code: string, ip: string, sessionId: string): Promise<RecoveryCodes> {
    const attempt = await this.d.throttle.begin({ accountKey: codeKey(userId), ip });
    const row = await findTotp(this.d.db, userId);
    if (!row || row.confirmed_at != null) {
      await attempt.release();
      if (row) throw new ApiError(409, 'mfa_already_enabled', 'TOTP is already enabled.');
      throw new ApiError(409, 'mfa_not_enabled', 'No pending TOTP setup; call POST /v1/mfa/totp first.');
    }
    const step = this.matchStep(row, code);
    const now = this.d.runtime.now();
    const codes = this.newRecoveryCodes();
    const revoked =
      step !== null &&
      (await this.d.db.transaction(async (tx) => {
        if (!(await useTotpStep(tx, userId, step, false))) return false;
        await confirmTotp(tx, userId, now);
        await replaceRecoveryCodes(tx, userId, codes.stored, now);
        return revokeOtherSessions(tx, userId, sessionId, 'mfa_enabled', now);
      }));
    if (!revoked) {
      await attempt.fail();
      throw invalidCode();
    }
    this.d.events.publish('user-changed', userId, { what: 'mfa' });
    for (const session of revoked) publishRevoked(this.d.events, session);
    await attempt.succeed();
    return { recovery_codes: codes.plain };
  }

  /** Turns MFA off after checking a TOTP or recovery code. */
  async disable(userId: string, factor: Factor, ip: string): Promise<void> {
    await this.requireFactor(userId, factor, ip, async (tx) => {
      await deleteTotp(tx, userId);
      await deleteRecoveryCodes(tx, userId);
    });
    this.d.events.publish('user-changed', userId, { what: 'mfa' });
  }

  /** Replaces all recovery codes after checking a TOTP code; the old ones stop working. */
  async regenerateRecoveryCodes(userId: string, code: string, ip: string): Promise<RecoveryCodes> {
    const codes = this.newRecoveryCodes();
    await this.requireFactor(userId, { code }, ip, (tx) => replaceRecoveryCodes(tx, userId, codes.stored, this.d.runtime.now()));
    return { recovery_codes: codes.plain };
  }

  /**
   * Reads what `consumeFactor` needs outside the transaction (decryption and HMACs are CPU work
   * that must not hold the SQLite lock): the TOTP step a code matches, or the recovery code hash.
   */
  async prepareFactor(userId: string, factor: Factor): Promise<PreparedFactor | null> {
    if ('recovery_code' in factor) return { kind: 'recovery', hash: hashToken(normalizeRecoveryCode(factor.recovery_code)) };
    const row = await findTotp(this.d.db, userId);
    if (!row || row.confirmed_at === null) return null;
    const step = this.matchStep(row, factor.code);
    return step === null ? null : { kind: 'totp', step };
  }

  /** Atomically spends a prepared factor (a TOTP step can be used once; a recovery code once). */
  async consumeFactor(q: Queryable, userId: string, f: PreparedFactor): Promise<boolean> {
    if (f.kind === 'totp') return useTotpStep(q, userId, f.step, true);
    return useRecoveryCode(q, userId, f.hash, this.d.runtime.now());
  }

  private async requireFactor(userId: string, factor: Factor, ip: string, then: (tx: Queryable) => Promise<void>): Promise<void> {
    const attempt = await this.d.throttle.begin({ accountKey: codeKey(userId), ip });
    const row = await findTotp(this.d.db, userId);
    if (!row || row.confirmed_at === null) {
      await attempt.release();
      throw new ApiError(409, 'mfa_not_enabled', 'MFA is not enabled.');
    }
    const prepared = await this.prepareFactor(userId, factor);
    const ok =
      prepared !== null &&
      (await this.d.db.transaction(async (tx) => {
        if (!(await this.consumeFactor(tx, userId, prepared))) return false;
        await then(tx);
        return true;
      }));
    this.d.metrics.mfa.inc({ result: ok ? 'ok' : 'invalid' });
    if (!ok) {
      await attempt.fail();
      throw invalidCode();
    }
    await attempt.succeed();
  }

  private matchStep(row: TotpRow, code: string): number | null {
    const secret = this.d.secretBox.openText(row.secret_enc, totpContext(row.user_id));
    return matchTotpStep(base32Decode(secret), code, this.d.runtime.now());
  }

  private newRecoveryCodes(): { plain: string[]; stored: { id: string; hash: string }[] } {
    const plain: string[] = [];
    for (let i = 0; i < RECOVERY_CODE_COUNT; i++) {
      // 16 base32 characters = 80 random bits (≥ 64 required), shown as xxxx-xxxx-xxxx-xxxx.
      const bytes = this.d.random.bytes(16);
      let s = '';
      for (let j = 0; j < 16; j++) s += RECOVERY_ALPHABET[bytes[j]! & 31];
      plain.push(s.match(/.{4}/g)!.join('-'));
    }
    return {
      plain,
      stored: plain.map((c) => ({ id: newId(this.d.random), hash: hashToken(normalizeRecoveryCode(c)) })),
    };
  }
}

export type PreparedFactor = { kind: 'totp'; step: number } | { kind: 'recovery'; hash: string };

/** Throttle key for wrong codes of one user (separate from password failures, see ThrottleService). */
export function codeKey(userId: string): string {
  return `code:${userId}`;
}

/** Recovery codes are compared without case, dashes or spaces, so users may type them loosely. */
export function normalizeRecoveryCode(code: string): string {
  return code.toLowerCase().replace(/[^a-z0-9]/g, '');
}

function totpContext(userId: string): string {
  return `totp:${userId}`;
}
