import type { GearItem, PersonalRecord, WeightEntry } from '@fitsync/api';
import { type Runtime, systemRuntime } from '@fitsync/runtime';
import { createHmac } from 'node:crypto';
import type { OddKind } from './data/activity-model.js';
import { gearTruth } from './data/gear.js';
import { personalRecordsTruth } from './data/personal-records.js';
import { SimUser, type StoredActivity, type UserSpec } from './data/user.js';
import { addToday, editSleep } from './data/health-model.js';
import { type HealthTruthDay, healthTruth } from './data/health-truth.js';
import { userWorkouts } from './data/workouts.js';
import { FaultEngine } from './faults.js';
import { hashSeed, Prng } from './prng.js';
import { Stats } from './stats.js';

/** DI OAuth2 client ids the token endpoint accepts by default (garmin-protocol.md, step 4). */
export const DEFAULT_CLIENT_IDS: readonly string[] = [
  'GARMIN_CONNECT_MOBILE_ANDROID_DI_2025Q2',
  'GARMIN_CONNECT_MOBILE_ANDROID_DI_2024Q4',
  'GARMIN_CONNECT_MOBILE_ANDROID_DI',
  'GARMIN_CONNECT_MOBILE_IOS_DI',
];

export interface SimConfig {
  access_token_ttl_s: number;
  refresh_token_ttl_s: number;
  accepted_client_ids: string[];
  /** Lifetime of a pending MFA sign-in (Garmin's codes last minutes). */
  mfa_ttl_s: number;
  /** Lifetime of a service ticket. */
  ticket_ttl_s: number;
  /**
   * How the mobile JSON login answers: normally, `CAPTCHA_REQUIRED` (200), or a
   * Cloudflare 403 challenge page; the last two make clients fall back to the classic flow.
   */
  mobile_login: 'normal' | 'captcha_required' | 'cloudflare_403';
  /** When set, the classic flow shows a page with this title (e.g. "Update Phone Number") instead of Success. */
  classic_interrupt_title: string | null;
  /** OAuth1 consumer (garth's `oauth_consumer.json`) that signs the legacy OAuth1 calls. */
  oauth_consumer: { consumer_key: string; consumer_secret: string };
  /** Legacy `preauthorized` (ticket → OAuth1); Garmin answers 401 there since 2026-03-17, so off by default. */
  oauth1_preauthorized: boolean;
}

export interface PendingSignIn {
  email: string;
  code: string;
  method: 'email' | 'sms';
  service: string;
  expiresMs: number;
  attempts: number;
}

export interface SsoSession {
  id: string;
  vcap: string;
  csrf: string | null;
  pending: PendingSignIn | null;
  /** Classic flow: a login token issued after MFA, redeemed by GET /sso/login. */
  loginToken: { token: string; email: string; service: string } | null;
}

export interface TokenRecord {
  email: string;
  clientId: string;
  expiresMs: number;
  /** Set on rotation or revocation. */
  dead: boolean;
}

/** What decoding an activity's FIT file must find (see the garmin-sim README, "Truth"). */
export interface ActivityTruth {
  activity_id: string;
  fit_sha256: string;
  /** Lap messages in the file. */
  laps: number;
  /** Record messages in the file (for `corrupt_tail`: in the file before it was cut). */
  records: number;
  records_with_position: number;
  /** FIT sport and sub_sport names as `@garmin/fitsdk` decodes them ('running', 'trail', 'indoorCycling'). */
  sport: string;
  sub_sport: string;
  indoor: boolean;
  odd: OddKind;
  /** The timer was stopped and restarted: total_timer_time < total_elapsed_time. */
  paused: boolean;
}

export interface Truth {
  /** Newest first. */
  activities: ActivityTruth[];
  days: string[];
  days_without_data: string[];
  workouts: string[];
  /** Every day with health data, oldest first: the API's daily fields plus series point counts. */
  health_days: HealthTruthDay[];
  /** Every weigh-in as the API's WeightEntry, oldest first. */
  weights: WeightEntry[];
  /** The gear as `GET /v1/gear` answers it, in Garmin's order. */
  gear: GearItem[];
  /** The personal records as `GET /v1/records` answers them, by typeId. */
  personal_records: PersonalRecord[];
}

/** A health change for incremental-sync tests (`POST /__sim/users/{email}/health`). */
export interface HealthEdit {
  /** Changes that night's sleep (and so the day's summary); a night without sleep gains one. */
  edit_sleep?: string;
  /** Gives the sim clock's day data up to the sim clock (again later: up to the later time). */
  add_today?: boolean;
}

/** All mutable sim state: accounts, sign-in sessions, tokens, faults, counters. */
export class SimState {
  readonly seed: string;
  readonly users = new Map<string, SimUser>();
  readonly sessions = new Map<string, SsoSession>();
  readonly tickets = new Map<string, { email: string; service: string; expiresMs: number }>();
  readonly accessTokens = new Map<string, TokenRecord>();
  readonly refreshTokens = new Map<string, TokenRecord>();
  /** Legacy OAuth1 tokens (garth): oauth_token → secret and owner. */
  readonly oauth1Tokens = new Map<string, TokenRecord & { secret: string; mfaToken: string | null }>();
  /** Latest pending MFA sign-in per e-mail (what `GET /__sim/users/{email}/mfa-code` reads). */
  readonly latestPending = new Map<string, PendingSignIn>();
  readonly faults: FaultEngine;
  readonly stats = new Stats();
  config: SimConfig = {
    access_token_ttl_s: 86400,
    refresh_token_ttl_s: 2592000,
    accepted_client_ids: [...DEFAULT_CLIENT_IDS],
    mfa_ttl_s: 600,
    ticket_ttl_s: 300,
    mobile_login: 'normal',
    classic_interrupt_title: null,
    oauth_consumer: { consumer_key: 'fc3e99d2-118c-44b8-8ae3-03370dde24c0', consumer_secret: 'garmin-sim-consumer-secret' },
    oauth1_preauthorized: false,
  };
  clockOffsetMs = 0;
  private readonly rng: Prng;
  private readonly jwtKey: Buffer;
  private userCount = 0;

  constructor(
    seed: string,
    readonly runtime: Runtime = systemRuntime,
  ) {
    this.seed = seed;
    this.rng = new Prng(hashSeed(seed, 'auth'));
    this.jwtKey = Buffer.from(new Prng(hashSeed(seed, 'jwt')).hex(64), 'hex');
    this.faults = new FaultEngine(seed);
  }

  /** Moves the sim clock to `atMs` (forward or back) by setting its offset from the runtime's clock. */
  setClock(atMs: number): void {
    this.clockOffsetMs = atMs - this.runtime.now();
  }

  nowMs(): number {
    return this.runtime.now() + this.clockOffsetMs;
  }

  nowS(): number {
    return Math.floor(this.nowMs() / 1000);
  }

  user(email: string): SimUser | undefined {
    return this.users.get(email.trim().toLowerCase());
  }

  createUser(spec: UserSpec): SimUser {
    const u = new SimUser(spec, ++this.userCount, this.seed, this.nowS());
    this.users.set(spec.email.trim().toLowerCase(), u);
    return u;
  }

  /** Random-looking but seed-determined strings for cookies, tickets and tokens. */
  token(n: number): string {
    return this.rng.token(n);
  }

  mfaCode(): string {
    return String(this.rng.int(0, 999_999)).padStart(6, '0');
  }

  newSession(): SsoSession {
    const s: SsoSession = { id: this.token(36), vcap: this.token(24), csrf: null, pending: null, loginToken: null };
    this.sessions.set(s.id, s);
    return s;
  }

  /** The SSO session named by the request cookies: SESSION and its sticky __VCAP_ID__ must both match. */
  sessionOf(cookies: Map<string, string>): SsoSession | null {
    const s = this.sessions.get(cookies.get('SESSION') ?? '');
    if (!s || cookies.get('__VCAP_ID__') !== s.vcap) return null;
    return s;
  }

  startPending(session: SsoSession, user: SimUser, service: string): PendingSignIn {
    const p: PendingSignIn = {
      email: user.email,
      code: this.mfaCode(),
      method: user.mfa === 'sms' ? 'sms' : 'email',
      service,
      expiresMs: this.nowMs() + this.config.mfa_ttl_s * 1000,
      attempts: 0,
    };
    session.pending = p;
    this.latestPending.set(user.email.toLowerCase(), p);
    return p;
  }

  issueTicket(email: string, service: string): string {
    const t = `ST-${String(this.rng.int(0, 9_999_999)).padStart(7, '0')}-${this.token(20)}-cas`;
    this.tickets.set(t, { email, service, expiresMs: this.nowMs() + this.config.ticket_ttl_s * 1000 });
    return t;
  }

  /** Issues an access token (a signed JWT carrying `exp`) and a rotating refresh token. */
  issueTokens(email: string, clientId: string): Record<string, unknown> {
    const user = this.user(email)!;
    const nowS = this.nowS();
    const jti = `${this.rng.hex(8)}-${this.rng.hex(4)}-${this.rng.hex(4)}-${this.rng.hex(4)}-${this.rng.hex(12)}`;
    const scope = 'CONNECT_READ CONNECT_WRITE DI_API_READ';
    const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
    const head = b64({ alg: 'HS256', typ: 'JWT', kid: 'di-oauth-signer-sim' });
    const payload = b64({
      scope: scope.split(' '),
      iss: 'https://diauth.garmin.com',
      revocation_eligibility: ['GLOBAL_SIGNOUT'],
      client_type: 'UNDEFINED',
      exp: nowS + this.config.access_token_ttl_s,
      iat: nowS,
      garmin_guid: user.guid,
      jti,
      client_id: clientId,
    });
    const sig = createHmac('sha256', this.jwtKey).update(`${head}.${payload}`).digest('base64url');
    const access = `${head}.${payload}.${sig}`;
    const refresh = `${this.rng.hex(8)}-${this.rng.hex(4)}-${this.rng.hex(4)}-${this.rng.hex(4)}-${this.rng.hex(12)}.${this.token(32)}`;
    this.accessTokens.set(access, {
      email: user.email,
      clientId,
      expiresMs: (nowS + this.config.access_token_ttl_s) * 1000,
      dead: false,
    });
    this.refreshTokens.set(refresh, {
      email: user.email,
      clientId,
      expiresMs: (nowS + this.config.refresh_token_ttl_s) * 1000,
      dead: false,
    });
    return {
      scope,
      jti,
      access_token: access,
      token_type: 'Bearer',
      refresh_token: refresh,
      expires_in: this.config.access_token_ttl_s,
      refresh_token_expires_in: this.config.refresh_token_ttl_s,
    };
  }

  /** A legacy OAuth1 token as garth stores it (`oauth1_token.json`); valid for a year like Garmin's. */
  issueOauth1(email: string): Record<string, string | null> {
    const user = this.user(email)!;
    const token = `${this.rng.hex(8)}-${this.rng.hex(4)}-${this.rng.hex(4)}-${this.rng.hex(4)}-${this.rng.hex(12)}`;
    const secret = this.token(40);
    const mfaToken = user.mfa ? this.token(32) : null;
    const expiresMs = this.nowMs() + 365 * 86400_000;
    this.oauth1Tokens.set(token, { email: user.email, clientId: 'oauth1', expiresMs, dead: false, secret, mfaToken });
    const out: Record<string, string | null> = { oauth_token: token, oauth_token_secret: secret };
    if (mfaToken) {
      out.mfa_token = mfaToken;
      out.mfa_expiration_timestamp = new Date(expiresMs).toISOString().replace('T', ' ').replace('Z', '');
    }
    return out;
  }

  /** The user behind a Bearer token, or null when the token is unknown, expired or revoked. */
  bearerUser(authorization: string | undefined): SimUser | null {
    const m = /^Bearer\s+(\S+)$/i.exec(authorization ?? '');
    if (!m) return null;
    const rec = this.accessTokens.get(m[1]!);
    if (!rec || rec.dead || rec.expiresMs <= this.nowMs()) return null;
    return this.user(rec.email) ?? null;
  }

  /** Garmin rejects the user's existing tokens (a global sign-out / password change). */
  revokeTokens(email: string): number {
    let n = 0;
    const key = email.toLowerCase();
    for (const store of [this.accessTokens, this.refreshTokens, this.oauth1Tokens]) {
      for (const rec of store.values()) {
        if (rec.email.toLowerCase() === key && !rec.dead) {
          rec.dead = true;
          n++;
        }
      }
    }
    return n;
  }

  truth(user: SimUser): Truth {
    const activities = [...user.activities].reverse().map((a): ActivityTruth => {
      const t = user.totals(a);
      const sport = a.seed.sport;
      return {
        activity_id: a.seed.idText,
        fit_sha256: user.fitSha256(a),
        laps: t.laps.length,
        records: t.records,
        records_with_position: t.recordsWithPosition,
        sport: sport.fitSportName,
        sub_sport: sport.fitSubSportName,
        indoor: sport.indoor,
        odd: a.seed.odd,
        paused: t.paused,
      };
    });
    const { health_days, weights } = healthTruth(user);
    const days = health_days.map((h) => h.date).reverse();
    const withData = new Set(days);
    return {
      activities,
      days,
      days_without_data: user.historyDates().filter((d) => !withData.has(d)),
      workouts: userWorkouts(user).map((w) => String(w.workoutId)),
      health_days,
      weights,
      gear: gearTruth(user),
      personal_records: personalRecordsTruth(user),
    };
  }

  /** Adds `count` activities starting now; the device uploaded them now. */
  addActivities(user: SimUser, count: number): StoredActivity[] {
    const added = user.addActivities(count, this.nowS());
    user.uploaded(this.nowMs());
    return added;
  }

  /** Applies add_today first (so both together can edit the day just added), then edit_sleep. */
  editHealth(user: SimUser, edit: HealthEdit): { changed: string[] } | { error: string; changed: string[] } {
    const changed: string[] = [];
    // Garmin learns of new health data when the watch uploads it.
    if (edit.add_today) {
      changed.push(addToday(user, this.nowS()));
      user.uploaded(this.nowMs());
    }
    if (edit.edit_sleep !== undefined) {
      const error = editSleep(user, edit.edit_sleep);
      if (error) return { error, changed };
      if (!changed.includes(edit.edit_sleep)) changed.push(edit.edit_sleep);
      user.uploaded(this.nowMs());
    }
    return { changed };
  }
}
