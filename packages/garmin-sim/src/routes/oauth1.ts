import { createHmac, timingSafeEqual } from 'node:crypto';
import { formBody, json, type RequestContext, type SimResponse } from '../http-util.js';
import type { SimState } from '../sim-state.js';

/** RFC 3986 percent-encoding as OAuth 1.0a requires (RFC 5849 §3.6). */
function enc(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

function parseOAuthHeader(header: string | undefined): Map<string, string> | null {
  const m = /^OAuth\s+(.*)$/i.exec(header ?? '');
  if (!m) return null;
  const out = new Map<string, string>();
  for (const part of m[1]!.split(',')) {
    const kv = /^\s*([A-Za-z0-9_]+)="([^"]*)"\s*$/.exec(part);
    if (!kv) return null;
    out.set(kv[1]!, decodeURIComponent(kv[2]!));
  }
  return out;
}

/**
 * Verifies an OAuth 1.0a HMAC-SHA1 signature (RFC 5849 §3.4) over the request as
 * the client addressed it (the sim's own origin + path), query and form parameters.
 */
function verify(sim: SimState, ctx: RequestContext, tokenSecret: string): Map<string, string> | null {
  const oauth = parseOAuthHeader(ctx.req.headers.authorization);
  if (oauth?.get('oauth_signature_method') !== 'HMAC-SHA1') return null;
  if (oauth.get('oauth_consumer_key') !== sim.config.oauth_consumer.consumer_key) return null;
  const params: Array<[string, string]> = [];
  for (const [k, v] of oauth) if (k !== 'oauth_signature' && k !== 'realm') params.push([k, v]);
  for (const [k, v] of ctx.query) params.push([k, v]);
  if (String(ctx.req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded')) {
    for (const [k, v] of formBody(ctx.body)) params.push([k, v]);
  }
  const normalized = params
    .map(([k, v]) => [enc(k), enc(v)] as const)
    .sort((a, b) => (a[0] === b[0] ? (a[1] < b[1] ? -1 : 1) : a[0] < b[0] ? -1 : 1))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
  const base = `${ctx.method.toUpperCase()}&${enc(`${ctx.origin}${ctx.path}`)}&${enc(normalized)}`;
  const key = `${enc(sim.config.oauth_consumer.consumer_secret)}&${enc(tokenSecret)}`;
  const expected = Buffer.from(createHmac('sha1', key).update(base).digest('base64'));
  const given = Buffer.from(oauth.get('oauth_signature') ?? '');
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) return null;
  return oauth;
}

const unauthorized = (): SimResponse => json(401, { message: 'Unauthorized' });

/**
 * `GET /oauth-service/oauth/preauthorized?ticket=&login-url=&accepts-mfa-tokens=true`
 * (garth ≤ 0.6). Answers 401 unless `oauth1_preauthorized` is enabled, as Garmin has since 2026-03-17.
 */
export function oauth1Preauthorized(sim: SimState, ctx: RequestContext): SimResponse {
  if (!sim.config.oauth1_preauthorized || !verify(sim, ctx, '')) return unauthorized();
  const ticket = ctx.query.get('ticket') ?? '';
  const rec = sim.tickets.get(ticket);
  sim.tickets.delete(ticket);
  if (!rec || rec.expiresMs <= sim.nowMs() || rec.service !== ctx.query.get('login-url')) return unauthorized();
  const t = sim.issueOauth1(rec.email);
  const body = new URLSearchParams();
  for (const [k, v] of Object.entries(t)) if (v !== null) body.set(k, v);
  return { status: 200, headers: { 'content-type': 'text/plain;charset=utf-8' }, body: body.toString() };
}

/** `POST /oauth-service/oauth/exchange/user/2.0`: an OAuth1 token (garth import) → OAuth2 tokens. */
export function oauth1Exchange(sim: SimState, ctx: RequestContext): SimResponse {
  const header = parseOAuthHeader(ctx.req.headers.authorization);
  const rec = sim.oauth1Tokens.get(header?.get('oauth_token') ?? '');
  if (!rec || rec.dead || rec.expiresMs <= sim.nowMs() || !verify(sim, ctx, rec.secret)) return unauthorized();
  const mfa = formBody(ctx.body).get('mfa_token');
  if (rec.mfaToken && mfa !== rec.mfaToken) return unauthorized();
  return json(200, sim.issueTokens(rec.email, 'GARMIN_CONNECT_MOBILE_ANDROID_DI'));
}
