import {
  type DeviceAuthorization,
  type DeviceDecision,
  type DeviceRequest,
  formatUserCode,
  normalizeUserCode,
  type TokenPair,
  USER_CODE_ALPHABET,
} from '@fitsync/api';
import type { ErrorCode } from '@fitsync/api/codes';
import type { Runtime } from '@fitsync/runtime';
import type { Config } from '../config.js';
import { hashToken } from '../crypto/hash-token.js';
import type { Db } from '../db/db.js';
import { ApiError } from '../http/api-error.js';
import { newId, type Random } from '../random.js';
import {
  decide,
  findByDeviceCodeHash,
  findPendingByUserCode,
  insertDeviceAuthorization,
  recordPoll,
  redeem,
} from '../repositories/device-authorizations.js';
import { findSession } from '../repositories/sessions.js';
import { findUserById } from '../repositories/users.js';
import type { AuthContext, TokenService } from './token-service.js';
import type { ThrottleService } from './throttle-service.js';

export interface DeviceAuthServiceDeps {
  db: Db;
  runtime: Runtime;
  random: Random;
  tokens: TokenService;
  throttle: ThrottleService;
  device: Config['device'];
  /** Device codes one client address may ask for per throttle window (FITSYNC_AUTH_MAX_FAILURES_PER_IP). */
  maxCodesPerIp: number;
}

/** RFC 8628 §3.5: each slow_down adds this much to the interval, for this and every later poll. */
export const SLOW_DOWN_STEP_S = 5;
const USER_CODE_LENGTH = 8;
/** Draws of a user code before giving up; a clash among 20⁸ codes is already rare. */
const USER_CODE_DRAWS = 5;

/** The RFC 6749 §5.2 error of the token endpoint: 400, `error` and `code` the same string. */
export function oauthError(code: ErrorCode, detail: string): ApiError {
  return new ApiError(400, code, detail, { error: code }, { 'cache-control': 'no-store' });
}

const notFound = () => new ApiError(404, 'device_code_not_found', 'No sign-in request waits for this code; it may have expired or been used.');

/**
 * Device login (RFC 8628; docs/web.md "Device login"): a device asks for a code pair, the signed-in
 * user approves its user code in the browser, the device polls until it gets a session of its own.
 * The device code is a bearer secret: 256 random bits, stored only as its sha256, never logged.
 */
export class DeviceAuthService {
  constructor(private readonly d: DeviceAuthServiceDeps) {}

  /** POST /v1/auth/device. `publicUrl` is FITSYNC_PUBLIC_URL or the request's origin. */
  async start(clientId: string | null, ip: string, publicUrl: string): Promise<DeviceAuthorization> {
    const { db, runtime, random, device } = this.d;
    await this.d.throttle.spend(`device:${ip}`, this.d.maxCodesPerIp, 'device sign-in requests from this address');
    const deviceCode = random.bytes(32).toString('base64url');
    const now = runtime.now();
    for (let draw = 0; draw < USER_CODE_DRAWS; draw++) {
      const userCode = this.newUserCode();
      const inserted = await insertDeviceAuthorization(db, {
        id: newId(random),
        deviceCodeHash: hashToken(deviceCode),
        userCode,
        clientId,
        intervalS: device.pollIntervalS,
        now,
        expiresAt: now + device.codeTtlS * 1000,
      });
      if (!inserted) continue;
      const shown = formatUserCode(userCode);
      const verificationUri = `${publicUrl}/device`;
      return {
        device_code: deviceCode,
        user_code: shown,
        verification_uri: verificationUri,
        verification_uri_complete: `${verificationUri}?user_code=${shown}`,
        expires_in: device.codeTtlS,
        interval: device.pollIntervalS,
      };
    }
    throw new ApiError(503, 'internal_error', 'Could not find a free user code; try again.');
  }

  /**
   * POST /v1/auth/device/token: the device's poll. Unknown and redeemed codes are invalid_grant;
   * an approved code is redeemed by one atomic update, so at most one poll ever gets a session.
   */
  async poll(deviceCode: string): Promise<TokenPair> {
    const { db, runtime } = this.d;
    const row = await findByDeviceCodeHash(db, hashToken(deviceCode));
    if (!row || row.status === 'redeemed') throw oauthError('invalid_grant', 'The device code is unknown or was already used.');
    const now = runtime.now();
    if (row.expires_at <= now) throw oauthError('expired_token', 'The device code has expired; start the sign-in again.');
    if (row.status === 'denied') throw oauthError('access_denied', 'The sign-in request was denied.');
    if (row.status === 'pending') {
      const { slowDown } = await recordPoll(db, row.id, now, SLOW_DOWN_STEP_S);
      if (slowDown) throw oauthError('slow_down', `Polled too soon; wait ${row.interval_s + SLOW_DOWN_STEP_S} s between polls.`);
      throw oauthError('authorization_pending', 'The sign-in request has not been approved yet.');
    }
    const outcome = await db.transaction(async (tx) => {
      if (!(await redeem(tx, row.id, now))) return 'used' as const;
      const user = row.user_id ? await findUserById(tx, row.user_id) : undefined;
      const approver = row.session_id ? await findSession(tx, row.session_id) : undefined;
      // The approval dies with the session that gave it (signed out, revoked) and with its user.
      if (!user || !approver || approver.revoked_at !== null) return 'revoked' as const;
      return this.d.tokens.openSession(user, row.mfa_verified === 1, tx);
    });
    if (outcome === 'used') throw oauthError('invalid_grant', 'The device code is unknown or was already used.');
    if (outcome === 'revoked') throw oauthError('access_denied', 'The session that approved this request has ended.');
    return outcome;
  }

  /** POST /v1/auth/device/verify: the pending request a user code names. */
  async verify(auth: AuthContext, input: string, ip: string): Promise<DeviceRequest> {
    const row = await this.guarded(auth, input, ip, (code) => findPendingByUserCode(this.d.db, code, this.d.runtime.now()));
    return {
      user_code: formatUserCode(row.user_code),
      requested_at: new Date(row.created_at).toISOString(),
      expires_in: Math.max(0, Math.floor((row.expires_at - this.d.runtime.now()) / 1000)),
    };
  }

  /** POST /v1/auth/device/approve: approves or denies the request; exactly one decision counts. */
  async decide(auth: AuthContext, input: string, action: 'approve' | 'deny', ip: string): Promise<DeviceDecision> {
    const status = action === 'approve' ? ('approved' as const) : ('denied' as const);
    await this.guarded(auth, input, ip, async (code) => {
      const done = await decide(this.d.db, {
        userCode: code,
        status,
        userId: auth.userId,
        sessionId: auth.sessionId,
        mfaVerified: auth.mfaVerified,
        now: this.d.runtime.now(),
      });
      return done ? true : undefined;
    });
    return { status };
  }

  /**
   * Runs `find` for a user code under the user's throttle: a code that names nothing counts as a
   * wrong guess (user codes are short; guessing one would take over another's device login).
   * Input that cannot be a code at all is refused without a guess: it cannot hit anything.
   */
  private async guarded<T>(auth: AuthContext, input: string, ip: string, find: (code: string) => Promise<T | undefined>): Promise<T> {
    const code = normalizeUserCode(input);
    if (code === undefined) throw notFound();
    const attempt = await this.d.throttle.begin({ accountKey: `device-code:${auth.userId}`, ip });
    let found: T | undefined;
    try {
      found = await find(code);
    } catch (err) {
      await attempt.release();
      throw err;
    }
    if (found === undefined) {
      await attempt.fail();
      throw notFound();
    }
    // Given back, not "succeeded": a hit must not wipe the wrong guesses before it, since anyone
    // can make a right code for themselves (POST /v1/auth/device) to launder guesses with.
    await attempt.release();
    return found;
  }

  /** 8 letters of USER_CODE_ALPHABET, uniformly (bytes ≥ 240 are redrawn: 256 is not a multiple of 20). */
  private newUserCode(): string {
    let code = '';
    while (code.length < USER_CODE_LENGTH) {
      for (const b of this.d.random.bytes(16)) {
        if (b >= 240 || code.length >= USER_CODE_LENGTH) continue;
        code += USER_CODE_ALPHABET[b % USER_CODE_ALPHABET.length];
      }
    }
    return code;
  }
}
