/**
 * Import of legacy garth tokens (garmin-protocol.md, "Sign-in, classic path":
 * lower priority). garth stores OAuth1 tokens (`oauth1_token.json`, or the
 * base64 `GARTH_TOKEN` string holding `[oauth1, oauth2]`); they are exchanged
 * for OAuth2 at `POST {apiUrl}/oauth-service/oauth/exchange/user/2.0`, signed
 * with OAuth 1.0a HMAC-SHA1 (RFC 5849). The 2026 recording sends
 * `audience=GARMIN_CONNECT_MOBILE_ANDROID_DI`, which yields tokens for that DI
 * client id; refreshing them through diauth is assumed, not recorded.
 */
import { type Runtime, systemRuntime } from '@fitsync/runtime';
import { createHmac, randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type GarminTokens, tokensFromAnswer } from './di-oauth.js';
import { type GarminEndpoints, resolveEndpoints } from './endpoints.js';
import {
  GarminInputError,
  GarminNetworkError,
  GarminRateLimitedError,
  GarminTokenInvalidError,
  GarminUnavailableError,
  GarminUnexpectedAnswerError,
} from './errors.js';
import { describeAnswer, type HttpClient, retryAfterSeconds, Transport } from './transport.js';

/** garth's OAuth1 token (`oauth1_token.json`). */
export interface GarthOAuth1Token {
  oauth_token: string;
  oauth_token_secret: string;
  mfa_token?: string | null;
  mfa_expiration_timestamp?: string | null;
  domain?: string | null;
}

/** The OAuth1 consumer the Garmin Connect app uses (garth publishes it; pass it in). */
export interface OAuth1Consumer {
  key: string;
  secret: string;
}

/** Where garth publishes the consumer key/secret. */
export const GARTH_CONSUMER_URL = 'https://thegarth.s3.amazonaws.com/oauth_consumer.json';
/** Audience asked for in the exchange (as recorded in 2026). */
export const GARTH_EXCHANGE_AUDIENCE = 'GARMIN_CONNECT_MOBILE_ANDROID_DI';

function oauth1From(v: unknown): GarthOAuth1Token {
  const o = (typeof v === 'object' && v !== null ? v : {}) as Record<string, unknown>;
  if (typeof o.oauth_token !== 'string' || !o.oauth_token || typeof o.oauth_token_secret !== 'string' || !o.oauth_token_secret) {
    throw new GarminInputError('garth token: no oauth_token/oauth_token_secret');
  }
  return {
    oauth_token: o.oauth_token,
    oauth_token_secret: o.oauth_token_secret,
    mfa_token: typeof o.mfa_token === 'string' ? o.mfa_token : null,
    mfa_expiration_timestamp: typeof o.mfa_expiration_timestamp === 'string' ? o.mfa_expiration_timestamp : null,
    domain: typeof o.domain === 'string' ? o.domain : null,
  };
}

/**
 * Reads garth's OAuth1 token from a `GARTH_TOKEN` string (base64 of the JSON
 * `[oauth1, oauth2]`) or from a parsed `oauth1_token.json` object.
 */
export function parseGarthToken(input: string | object): GarthOAuth1Token {
  if (typeof input !== 'string') return oauth1From(input);
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(input.trim(), 'base64').toString('utf8'));
  } catch {
    throw new GarminInputError('garth token: not base64 JSON');
  }
  return oauth1From(Array.isArray(parsed) ? parsed[0] : parsed);
}

/** Reads `oauth1_token.json` from a garth token folder. */
export async function readGarthTokenDir(dir: string): Promise<GarthOAuth1Token> {
  let text: string;
  try {
    text = await readFile(join(dir, 'oauth1_token.json'), 'utf8');
  } catch {
    throw new GarminInputError('garth token folder has no readable oauth1_token.json');
  }
  try {
    return oauth1From(JSON.parse(text));
  } catch (err) {
    if (err instanceof GarminInputError) throw err;
    throw new GarminInputError('garth oauth1_token.json is not JSON');
  }
}

/** RFC 3986 percent-encoding as OAuth 1.0a requires (RFC 5849 §3.6). */
export function oauthPercentEncode(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/**
 * The `Authorization: OAuth …` header value for a request (RFC 5849 §3.4,
 * HMAC-SHA1). `form` holds x-www-form-urlencoded body parameters, which are
 * signed too; query parameters of `url` are included.
 */
export function oauth1Header(opts: {
  method: string;
  url: string;
  consumer: OAuth1Consumer;
  token?: { key: string; secret: string };
  form?: Record<string, string>;
  nonce: string;
  timestamp: number;
}): string {
  const u = new URL(opts.url);
  const oauth: Record<string, string> = {
    oauth_consumer_key: opts.consumer.key,
    oauth_nonce: opts.nonce,
    oauth_signature_method: 'HMAC-SHA1',
    oauth_timestamp: String(opts.timestamp),
    oauth_version: '1.0',
  };
  if (opts.token) oauth.oauth_token = opts.token.key;
  const pairs: Array<[string, string]> = [
    ...Object.entries(oauth),
    ...[...u.searchParams.entries()],
    ...Object.entries(opts.form ?? {}),
  ].map(([k, v]) => [oauthPercentEncode(k), oauthPercentEncode(v)] as [string, string]);
  pairs.sort((a, b) => (a[0] === b[0] ? (a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0) : a[0] < b[0] ? -1 : 1));
  const base = [
    opts.method.toUpperCase(),
    oauthPercentEncode(`${u.protocol}//${u.host}${u.pathname}`),
    oauthPercentEncode(pairs.map(([k, v]) => `${k}=${v}`).join('&')),
  ].join('&');
  const key = `${oauthPercentEncode(opts.consumer.secret)}&${oauthPercentEncode(opts.token?.secret ?? '')}`;
  const signature = createHmac('sha1', key).update(base).digest('base64');
  return `OAuth ${Object.entries({ ...oauth, oauth_signature: signature })
    .map(([k, v]) => `${oauthPercentEncode(k)}="${oauthPercentEncode(v)}"`)
    .join(', ')}`;
}

/** Options of {@link importGarthToken}. */
export interface GarthImportOptions {
  consumer: OAuth1Consumer;
  endpoints?: Partial<GarminEndpoints>;
  http?: HttpClient;
  runtime?: Runtime;
  /** Exchange audience (default {@link GARTH_EXCHANGE_AUDIENCE}); the tokens' clientId. */
  audience?: string;
}

/**
 * Exchanges a garth OAuth1 token for Garmin OAuth2 tokens. 401 → the OAuth1
 * token is no longer valid (GarminTokenInvalidError); 429 → rate limited.
 */
export async function importGarthToken(token: GarthOAuth1Token, opts: GarthImportOptions): Promise<GarminTokens> {
  const endpoints = resolveEndpoints(opts.endpoints);
  const runtime = opts.runtime ?? systemRuntime;
  const http = opts.http ?? new Transport();
  const audience = opts.audience ?? GARTH_EXCHANGE_AUDIENCE;
  const url = `${endpoints.apiUrl}/oauth-service/oauth/exchange/user/2.0`;
  const form: Record<string, string> = { audience };
  if (token.mfa_token) form.mfa_token = token.mfa_token;
  const authorization = oauth1Header({
    method: 'POST',
    url,
    consumer: opts.consumer,
    token: { key: token.oauth_token, secret: token.oauth_token_secret },
    form,
    nonce: randomBytes(16).toString('hex'),
    timestamp: Math.floor(runtime.now() / 1000),
  });
  let res: Awaited<ReturnType<HttpClient['request']>>;
  try {
    res = await http.request({
      method: 'POST',
      url,
      headers: { authorization, 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: new URLSearchParams(form).toString(),
    });
  } catch (err) {
    if (err instanceof GarminNetworkError) throw new GarminUnavailableError(`garth token exchange failed: ${err.message}`, { cause: err });
    throw err;
  }
  if (res.status === 429) throw new GarminRateLimitedError(retryAfterSeconds(res, runtime.now()) ?? 900, 'Garmin token exchange');
  if (res.status === 401 || res.status === 403) {
    throw new GarminTokenInvalidError(`Garmin refused the garth token (${describeAnswer(res)}); reauth required`);
  }
  if (res.status >= 500) throw new GarminUnavailableError(`garth token exchange failed: ${describeAnswer(res)}`);
  if (res.status !== 200) throw new GarminUnexpectedAnswerError(`garth token exchange answered ${describeAnswer(res)}`);
  return tokensFromAnswer(res, audience, runtime.now());
}
