import { parseIsoDate } from '../data/dates.js';
import { type MfaMode, SIM_TIME_ZONES, simTimeZone, type UserSpec } from '../data/user.js';
import { parseFaultRules } from '../faults.js';
import { empty, json, jsonObject, type RequestContext, type SimResponse } from '../http-util.js';
import { DEFAULT_CLIENT_IDS, type HealthEdit, type SimConfig, type SimState } from '../sim-state.js';

/** Limits keep a typo from asking the sim for a billion activities. */
export const USER_LIMITS = { activities: 20000, days: 3650, workouts: 1000, addCount: 1000 } as const;

function bad(message: string): SimResponse {
  return json(400, { error: 'bad_request', message });
}

function intIn(v: unknown, name: string, min: number, max: number, dflt: number): number | string {
  if (v === undefined) return dflt;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    return `${name} must be an integer from ${min} to ${max}`;
  }
  return v;
}

/** Validates a `POST /__sim/users` body. */
export function parseUserSpec(body: Record<string, unknown> | null): UserSpec | string {
  if (!body) return 'body must be a JSON object';
  for (const key of Object.keys(body)) {
    if (!['email', 'password', 'mfa', 'activities', 'days', 'workouts', 'odd_activities', 'time_zone'].includes(key)) {
      return `unknown field ${key}`;
    }
  }
  const { email, password } = body;
  if (typeof email !== 'string' || !/^[^@\s/]+@[^@\s/]+$/.test(email) || email.length > 320) {
    return 'email must be an e-mail address';
  }
  if (typeof password !== 'string' || password.length < 1 || password.length > 1024) {
    return 'password must be a string of 1 to 1024 characters';
  }
  const mfa = body.mfa ?? null;
  if (mfa !== null && mfa !== 'email' && mfa !== 'sms') return 'mfa must be null, "email" or "sms"';
  const activities = intIn(body.activities, 'activities', 0, USER_LIMITS.activities, 0);
  const days = intIn(body.days, 'days', 1, USER_LIMITS.days, 30);
  const workouts = intIn(body.workouts, 'workouts', 0, USER_LIMITS.workouts, 0);
  for (const v of [activities, days, workouts]) if (typeof v === 'string') return v;
  const odd = body.odd_activities ?? false;
  if (typeof odd !== 'boolean') return 'odd_activities must be a boolean';
  const zone = body.time_zone ?? null;
  if (zone !== null && (typeof zone !== 'string' || !simTimeZone(zone))) {
    return `time_zone must be one of ${SIM_TIME_ZONES.map((z) => z.key).join(', ')}`;
  }
  return {
    email,
    password,
    mfa: mfa as MfaMode,
    activities: activities as number,
    days: days as number,
    workouts: workouts as number,
    odd_activities: odd,
    time_zone: zone as string | null,
  };
}

/** Validates a `PUT /__sim/config` body into a partial config. */
export function parseConfig(body: Record<string, unknown> | null): Partial<SimConfig> | string {
  if (!body) return 'body must be a JSON object';
  const out: Partial<SimConfig> = {};
  for (const [key, v] of Object.entries(body)) {
    if (key === 'access_token_ttl_s' || key === 'refresh_token_ttl_s' || key === 'mfa_ttl_s' || key === 'ticket_ttl_s') {
      const n = intIn(v, key, 1, 10 * 365 * 86400, 0);
      if (typeof n === 'string') return n;
      out[key] = n;
    } else if (key === 'accepted_client_ids') {
      if (!Array.isArray(v) || v.length === 0 || v.length > 20 || !v.every((x) => typeof x === 'string' && x.length > 0 && x.length < 200)) {
        return 'accepted_client_ids must be a non-empty list of strings';
      }
      out.accepted_client_ids = [...(v as string[])];
    } else if (key === 'mobile_login') {
      if (v !== 'normal' && v !== 'captcha_required' && v !== 'cloudflare_403') {
        return 'mobile_login must be "normal", "captcha_required" or "cloudflare_403"';
      }
      out.mobile_login = v;
    } else if (key === 'oauth1_preauthorized') {
      if (typeof v !== 'boolean') return 'oauth1_preauthorized must be a boolean';
      out.oauth1_preauthorized = v;
    } else if (key === 'oauth_consumer') {
      const c = v as Record<string, unknown> | null;
      if (!c || typeof c.consumer_key !== 'string' || typeof c.consumer_secret !== 'string' || !c.consumer_key || !c.consumer_secret) {
        return 'oauth_consumer must be {consumer_key, consumer_secret}';
      }
      out.oauth_consumer = { consumer_key: c.consumer_key, consumer_secret: c.consumer_secret };
    } else if (key === 'classic_interrupt_title') {
      if (v !== null && (typeof v !== 'string' || v.length === 0 || v.length > 200)) {
        return 'classic_interrupt_title must be null or a short string';
      }
      out.classic_interrupt_title = v;
    } else {
      return `unknown field ${key}`;
    }
  }
  return out;
}

/** Validates a `POST /__sim/users/{email}/health` body `{edit_sleep?: "YYYY-MM-DD", add_today?: true}`. */
export function parseHealthEdit(b: Record<string, unknown> | null): HealthEdit | string {
  const usage = 'body must be {"edit_sleep"?: "YYYY-MM-DD", "add_today"?: true} with at least one';
  if (!b || Object.keys(b).length === 0 || Object.keys(b).some((k) => k !== 'edit_sleep' && k !== 'add_today')) return usage;
  const { edit_sleep: night, add_today: today } = b;
  if (today !== undefined && today !== true) return usage;
  if (night !== undefined && (typeof night !== 'string' || parseIsoDate(night) === null)) return usage;
  return { ...(night !== undefined ? { edit_sleep: night as string } : {}), ...(today ? { add_today: true } : {}) };
}

/** Routes under `/__sim` (never on real Garmin; never faulted; not counted). */
export function control(sim: SimState, ctx: RequestContext): SimResponse {
  const { method, path } = ctx;
  const body = () => jsonObject(ctx.body);

  if (path === '/__sim/users' && method === 'POST') {
    const spec = parseUserSpec(body());
    if (typeof spec === 'string') return bad(spec);
    if (sim.user(spec.email)) return json(409, { error: 'conflict', message: 'user already exists' });
    return json(201, sim.createUser(spec).summary());
  }
  if (path === '/__sim/faults' && method === 'PUT') {
    const rules = parseFaultRules(body());
    if (typeof rules === 'string') return bad(rules);
    sim.faults.set(rules);
    return json(200, { rules });
  }
  if (path === '/__sim/faults' && method === 'GET') return json(200, { rules: sim.faults.list() });
  if (path === '/__sim/stats' && method === 'GET') return json(200, sim.stats.snapshot());
  if (path === '/__sim/reset-stats' && method === 'POST') {
    sim.stats.reset();
    return empty(204);
  }
  if (path === '/__sim/config' && method === 'PUT') {
    const cfg = parseConfig(body());
    if (typeof cfg === 'string') return bad(cfg);
    sim.config = { ...sim.config, ...cfg };
    return json(200, sim.config);
  }
  if (path === '/__sim/config' && method === 'GET') return json(200, sim.config);
  if (path === '/__sim/clock/advance' && method === 'POST') {
    const b = body();
    const s = intIn(b?.seconds, 'seconds', 0, 10 * 365 * 86400, -1);
    if (typeof s === 'string' || s < 0) return bad('body must be {"seconds": integer >= 0}');
    sim.clockOffsetMs += s * 1000;
    return json(200, { now: new Date(sim.nowMs()).toISOString() });
  }
  if (path === '/__sim/clock/set' && method === 'POST') {
    // Tests of long waits (sign-in back-off, refresh-token expiry) jump to a time rather than add up seconds.
    const b = body();
    const at = typeof b?.now === 'string' && /^\d{4}-\d\d-\d\dT/.test(b.now) ? Date.parse(b.now) : Number.NaN;
    if (!Number.isFinite(at)) return bad('body must be {"now": ISO 8601 date-time}');
    sim.setClock(at);
    return json(200, { now: new Date(sim.nowMs()).toISOString() });
  }

  const m = /^\/__sim\/users\/([^/]+)\/(mfa-code|activities|truth|revoke-tokens|oauth1-token|di-token|health)$/.exec(path);
  if (m) {
    let email: string;
    try {
      email = decodeURIComponent(m[1]!);
    } catch {
      return bad('bad e-mail in path');
    }
    const user = sim.user(email);
    if (!user) return json(404, { error: 'not_found', message: 'no such user' });
    const what = m[2];
    if (what === 'mfa-code' && method === 'GET') {
      const p = sim.latestPending.get(user.email.toLowerCase());
      if (!p || p.expiresMs <= sim.nowMs()) return json(404, { error: 'not_found', message: 'no pending sign-in' });
      return json(200, { code: p.code, method: p.method });
    }
    if (what === 'activities' && method === 'POST') {
      const b = body();
      const count = intIn(b?.count, 'count', 1, USER_LIMITS.addCount, -1);
      if (typeof count === 'string' || count < 1) return bad(`body must be {"count": 1..${USER_LIMITS.addCount}}`);
      if (user.activities.length + count > USER_LIMITS.activities * 2) return bad('too many activities');
      const added = sim.addActivities(user, count);
      return json(201, { added: added.map((a) => a.seed.idText), total: user.activities.length });
    }
    if (what === 'health' && method === 'POST') {
      const edit = parseHealthEdit(body());
      if (typeof edit === 'string') return bad(edit);
      const done = sim.editHealth(user, edit);
      return 'error' in done ? json(409, { error: 'conflict', message: done.error, changed: done.changed }) : json(200, done);
    }
    if (what === 'truth' && method === 'GET') return json(200, sim.truth(user));
    if (what === 'oauth1-token' && method === 'POST') return json(201, sim.issueOauth1(user.email));
    if (what === 'di-token' && method === 'POST') {
      // The DI token answer a sign-in would end with, without one: token files for import tests.
      const b = body();
      const clientId = b?.client_id === undefined ? DEFAULT_CLIENT_IDS[0]! : b.client_id;
      if (typeof clientId !== 'string' || !sim.config.accepted_client_ids.includes(clientId)) return bad('client_id must be an accepted DI client id');
      return json(201, sim.issueTokens(user.email, clientId));
    }
    if (what === 'revoke-tokens' && method === 'POST') return json(200, { revoked: sim.revokeTokens(user.email) });
    return json(405, { error: 'method_not_allowed', message: `${method} not allowed here` });
  }
  return json(404, { error: 'not_found', message: 'unknown control path' });
}
