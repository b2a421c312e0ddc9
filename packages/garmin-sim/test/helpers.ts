import { request as httpRequest } from 'node:http';

export interface HttpAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  text: string;
  json<T = unknown>(): T;
}

export interface HttpOptions {
  method?: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** Cookie jar shared across calls (name → value). */
  jar?: Map<string, string>;
  timeoutMs?: number;
}

/** A raw node:http request (no redirects followed), with an optional cookie jar. */
export function http(url: string, opts: HttpOptions = {}): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { ...(opts.headers ?? {}) };
    if (opts.jar && opts.jar.size > 0) {
      headers.cookie = [...opts.jar].map(([k, v]) => `${k}=${v}`).join('; ');
    }
    if (opts.body !== undefined) headers['content-length'] = String(Buffer.byteLength(opts.body));
    const req = httpRequest(url, { method: opts.method ?? 'GET', headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => {
        const setCookie = res.headers['set-cookie'];
        if (opts.jar && setCookie) {
          for (const c of setCookie) {
            const first = c.split(';')[0]!;
            const eq = first.indexOf('=');
            opts.jar.set(first.slice(0, eq), first.slice(eq + 1));
          }
        }
        const body = Buffer.concat(chunks);
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body,
          text: body.toString('utf8'),
          json: <T>() => JSON.parse(body.toString('utf8')) as T,
        });
      });
    });
    req.setTimeout(opts.timeoutMs ?? 10000, () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    if (opts.body !== undefined) req.write(opts.body);
    req.end();
  });
}

export const ANDROID_SERVICE = 'https://mobile.integration.garmin.com/gcm/android';
export const LOGIN_QUERY = `clientId=GCM_ANDROID_DARK&locale=en-US&service=${encodeURIComponent(ANDROID_SERVICE)}`;
export const CLIENT_ID = 'GARMIN_CONNECT_MOBILE_ANDROID_DI_2025Q2';
export const TICKET_GRANT = 'https://connectapi.garmin.com/di-oauth2-service/oauth/grant/service_ticket';

export function basic(clientId: string): string {
  return `Basic ${Buffer.from(`${clientId}:`).toString('base64')}`;
}

/** Exchanges a service ticket for DI tokens exactly as garmin-protocol.md step 4 describes. */
export function exchangeTicket(base: string, ticket: string, service = ANDROID_SERVICE, clientId = CLIENT_ID) {
  return http(`${base}/di-oauth2-service/oauth/token`, {
    method: 'POST',
    headers: { authorization: basic(clientId), 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      client_id: clientId,
      service_ticket: ticket,
      grant_type: TICKET_GRANT,
      service_url: service,
    }).toString(),
  });
}

export function refresh(base: string, refreshToken: string, clientId = CLIENT_ID) {
  return http(`${base}/di-oauth2-service/oauth/token`, {
    method: 'POST',
    headers: { authorization: basic(clientId), 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'refresh_token', client_id: clientId, refresh_token: refreshToken }).toString(),
  });
}

export function mobileLogin(base: string, jar: Map<string, string>, username: string, password: string) {
  return http(`${base}/mobile/api/login?${LOGIN_QUERY}`, {
    method: 'POST',
    jar,
    headers: { 'content-type': 'application/json', accept: '*/*' },
    body: JSON.stringify({ username, password, rememberMe: false, captchaToken: '' }),
  });
}

export function verifyCode(base: string, jar: Map<string, string>, mfaMethod: string, code: string) {
  return http(`${base}/mobile/api/mfa/verifyCode?${LOGIN_QUERY}`, {
    method: 'POST',
    jar,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ mfaMethod, mfaVerificationCode: code, rememberMyBrowser: false, reconsentList: [], mfaSetup: false }),
  });
}

export interface Tokens {
  access_token: string;
  refresh_token: string;
  expires_in: number;
  refresh_token_expires_in: number;
  token_type: string;
  scope: string;
  jti: string;
}

/** Full mobile sign-in (no MFA) → DI tokens. */
export async function signIn(base: string, email: string, password: string): Promise<Tokens> {
  const jar = new Map<string, string>();
  await http(`${base}/mobile/sso/en/sign-in?clientId=GCM_ANDROID_DARK`, { jar });
  const login = await mobileLogin(base, jar, email, password);
  const ticket = login.json<{ serviceTicketId: string }>().serviceTicketId;
  const tok = await exchangeTicket(base, ticket);
  if (tok.status !== 200) throw new Error(`token exchange failed: ${tok.status} ${tok.text}`);
  return tok.json<Tokens>();
}

export function bearer(token: string): Record<string, string> {
  return { authorization: `Bearer ${token}` };
}

/** Creates accounts (password "pw") and signs each in: e-mail → access token. */
export async function signedInUsers(
  sim: { url: string; createUser(spec: { email: string; password: string; activities: number; days: number }): unknown },
  emails: readonly string[],
  spec: { activities: number; days: number },
): Promise<Map<string, string>> {
  const tokens = new Map<string, string>();
  for (const email of emails) {
    sim.createUser({ email, password: 'pw', ...spec });
    tokens.set(email, (await signIn(sim.url, email, 'pw')).access_token);
  }
  return tokens;
}

/** Reads the single entry of a ZIP built as Garmin's download (local header + deflate). */
export interface ZipEntry {
  name: string;
  method: number;
  crc: number;
  compressed: Buffer;
  size: number;
  centralCrc: number;
  centralName: string;
}

export function readSingleEntryZip(zip: Buffer): ZipEntry {
  if (zip.readUInt32LE(0) !== 0x04034b50) throw new Error('no local file header');
  const method = zip.readUInt16LE(8);
  const crc = zip.readUInt32LE(14);
  const csize = zip.readUInt32LE(18);
  const size = zip.readUInt32LE(22);
  const nlen = zip.readUInt16LE(26);
  const xlen = zip.readUInt16LE(28);
  const name = zip.subarray(30, 30 + nlen).toString('utf8');
  const compressed = zip.subarray(30 + nlen + xlen, 30 + nlen + xlen + csize);
  const eocd = zip.length - 22;
  if (zip.readUInt32LE(eocd) !== 0x06054b50) throw new Error('no end of central directory');
  const cdOffset = zip.readUInt32LE(eocd + 16);
  if (zip.readUInt32LE(cdOffset) !== 0x02014b50) throw new Error('no central directory header');
  const centralCrc = zip.readUInt32LE(cdOffset + 16);
  const cnlen = zip.readUInt16LE(cdOffset + 28);
  const centralName = zip.subarray(cdOffset + 46, cdOffset + 46 + cnlen).toString('utf8');
  return { name, method, crc, compressed, size, centralCrc, centralName };
}
