import type { GarminTokenImportBody } from '@fitsync/api';
import { AuthError, UsageError } from '../errors.js';
import type { TokenFiles } from './token-path.js';

type Obj = Record<string, unknown>;

/** What was found, for the user: "python-garminconnect token file", "garth token folder"… */
export interface ParsedTokens {
  body: GarminTokenImportBody;
  source: string;
}

/**
 * Turns the token files into the import body after the local checks (garmin-token-files.md §3):
 * malformed or unsupported → UsageError (exit 2), expired with no usable refresh token →
 * AuthError (exit 3). Messages name the file and the key, never a value. `nowS` is epoch seconds.
 *
 * A file's text is a python-garminconnect object (`{"di_token": …}`), garth's dumps form (a JSON
 * array `[oauth1, oauth2]`), or that array in base64 (garth's GARTH_TOKEN string).
 */
export function tokensFromFiles(files: TokenFiles, nowS: number): ParsedTokens {
  if (files.kind === 'garth-dir') {
    const o1 = asObject(parseJson(files.oauth1.text, files.oauth1.path), files.oauth1.path);
    const o2 = asObject(parseJson(files.oauth2.text, files.oauth2.path), files.oauth2.path);
    return { body: garth(o1, o2, files.oauth1.path, files.oauth2.path, nowS), source: 'garth token folder' };
  }
  const where = files.path;
  const text = files.text.trim();
  if (text === '') throw new UsageError(`${where} is empty`);
  let value: unknown;
  if (text.startsWith('{') || text.startsWith('[')) value = parseJson(text, where);
  else {
    const decoded = /^[A-Za-z0-9+/=\s]+$/.test(text) ? Buffer.from(text.replace(/\s+/g, ''), 'base64').toString('utf8') : '';
    if (!decoded.trimStart().startsWith('[')) {
      throw new UsageError(`${where} is not JSON, nor garth's base64 token string`, 'give the garmin_tokens.json of python-garminconnect or the token folder of garth');
    }
    value = parseJson(decoded, `${where} (decoded base64)`);
  }
  if (Array.isArray(value)) {
    if (value.length !== 2) throw new UsageError(`${where}: garth's token string holds [oauth1, oauth2]; this array has ${value.length} items`);
    return { body: garth(asObject(value[0], `${where} [0]`), asObject(value[1], `${where} [1]`), `${where} [0]`, `${where} [1]`, nowS), source: 'garth token string' };
  }
  const o = asObject(value, where);
  if ('di_token' in o) return { body: garminconnect(o, where, nowS), source: 'python-garminconnect token file' };
  if ('oauth_token' in o || 'access_token' in o) {
    throw new UsageError(`${where} is one of garth's two token files`, 'give the folder that holds oauth1_token.json and oauth2_token.json');
  }
  throw new UsageError(`${where}: no di_token key`, 'not a python-garminconnect token file (garmin_tokens.json) nor garth tokens');
}

function garminconnect(o: Obj, where: string, nowS: number): GarminTokenImportBody {
  if (o.di_token === null) {
    throw new UsageError(`${where}: di_token is null`, 'a python-garminconnect 0.3.0 cookie session (jwt_web) cannot be imported; sign in with `fitsync garmin connect`');
  }
  const token = str(o, 'di_token', where);
  const refresh = nullableStr(o, 'di_refresh_token', where);
  const clientId = nullableStr(o, 'di_client_id', where, true);
  const exp = jwtExp(token, `${where}: di_token`);
  if (refresh === null) {
    if (exp <= nowS) throw expired(where, 'the access token expired and there is no refresh token');
    throw new UsageError(`${where}: di_refresh_token is null`, 'without it FitSync could not keep the session past the access token; sign in with `fitsync garmin connect`');
  }
  return { format: 'garminconnect', di_token: token, di_refresh_token: refresh, di_client_id: clientId };
}

function garth(o1: Obj, o2: Obj, p1: string, p2: string, nowS: number): GarminTokenImportBody {
  const domain = nullableStr(o1, 'domain', p1, true);
  if (domain !== null && domain !== 'garmin.com') {
    throw new UsageError(`${p1}: the tokens belong to ${domain === 'garmin.cn' ? 'Garmin China (garmin.cn)' : `the domain "${domain.slice(0, 40)}"`}`, 'FitSync works with garmin.com accounts only');
  }
  const oauth1 = {
    oauth_token: str(o1, 'oauth_token', p1),
    oauth_token_secret: str(o1, 'oauth_token_secret', p1),
    mfa_token: nullableStr(o1, 'mfa_token', p1, true),
    mfa_expiration_timestamp: nullableStr(o1, 'mfa_expiration_timestamp', p1, true),
    domain,
  };
  const expiresAt = int(o2, 'expires_at', p2);
  const refreshExpiresAt = o2.refresh_token_expires_at === undefined || o2.refresh_token_expires_at === null ? null : int(o2, 'refresh_token_expires_at', p2);
  const oauth2: Extract<GarminTokenImportBody, { format: 'garth' }>['oauth2'] = {
    access_token: str(o2, 'access_token', p2),
    refresh_token: str(o2, 'refresh_token', p2),
    expires_at: expiresAt,
  };
  for (const k of ['token_type', 'scope', 'jti'] as const) {
    const v = nullableStr(o2, k, p2, true);
    if (v !== null) oauth2[k] = v;
  }
  for (const k of ['expires_in', 'refresh_token_expires_in'] as const) {
    if (o2[k] !== undefined && o2[k] !== null) oauth2[k] = int(o2, k, p2);
  }
  if (refreshExpiresAt !== null) oauth2.refresh_token_expires_at = refreshExpiresAt;
  if (expiresAt <= nowS && refreshExpiresAt !== null && refreshExpiresAt <= nowS) throw expired(p2, 'both the access token and the refresh token have expired');
  return { format: 'garth', oauth1, oauth2 };
}

/** The `exp` of a JWT, after checking it is one and is signed (alg "none" is refused, as python-garminconnect does). */
function jwtExp(token: string, what: string): number {
  const parts = token.split('.');
  if (parts.length !== 3 || parts.some((p) => !/^[A-Za-z0-9_-]+$/.test(p))) throw new UsageError(`${what} is not a JWT`);
  const header = decodePart(parts[0]!);
  const payload = decodePart(parts[1]!);
  if (!header || !payload) throw new UsageError(`${what} is not a JWT (not JSON inside)`);
  if (typeof header.alg !== 'string' || header.alg.toLowerCase() === 'none') throw new UsageError(`${what} is an unsigned JWT (alg "none")`);
  if (typeof payload.exp !== 'number' || !Number.isFinite(payload.exp)) throw new UsageError(`${what} has no "exp" claim`);
  return payload.exp;
}

function decodePart(part: string): Obj | null {
  try {
    const v = JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as unknown;
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Obj) : null;
  } catch {
    return null;
  }
}

function parseJson(text: string, where: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new UsageError(`${where} is not valid JSON`);
  }
}

function asObject(v: unknown, where: string): Obj {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new UsageError(`${where} is not a JSON object`);
  return v as Obj;
}

const MAX_VALUE = 8192;

function str(o: Obj, key: string, where: string): string {
  const v = o[key];
  if (v === undefined) throw new UsageError(`${where}: "${key}" is missing`);
  if (typeof v !== 'string' || v === '' || v.length > MAX_VALUE) throw new UsageError(`${where}: "${key}" is not a token string`);
  return v;
}

function nullableStr(o: Obj, key: string, where: string, optional = false): string | null {
  const v = o[key];
  if (v === null || (optional && v === undefined)) return null;
  if (v === undefined) throw new UsageError(`${where}: "${key}" is missing`);
  if (typeof v !== 'string' || v.length > MAX_VALUE) throw new UsageError(`${where}: "${key}" is not a string`);
  return v === '' ? null : v;
}

function int(o: Obj, key: string, where: string): number {
  const v = o[key];
  if (v === undefined) throw new UsageError(`${where}: "${key}" is missing`);
  if (typeof v !== 'number' || !Number.isSafeInteger(v)) throw new UsageError(`${where}: "${key}" is not a whole number`);
  return v;
}

function expired(where: string, what: string): AuthError {
  return new AuthError(`${where}: ${what}`, 'sign in with `fitsync garmin connect`, or import a fresher token file');
}
