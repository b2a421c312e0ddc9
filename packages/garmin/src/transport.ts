/**
 * The one place where the Garmin client talks HTTP (garmin-protocol.md: "the
 * transport (headers, user agent, cookie jar, redirects) in one place").
 * node:http/node:https only; connect timeout 5 s and a total timeout per
 * request; optional cookie jar and redirect following; transport failures
 * become {@link GarminNetworkError} with a kind the retry policy understands.
 * An AbortSignal destroys the request (and its socket) at once and rejects
 * with an AbortError, which no retry policy retries.
 */
import http from 'node:http';
import https from 'node:https';
import { abortError } from '@fitsync/runtime';
import type { CookieJar } from './cookie-jar.js';
import { GarminNetworkError } from './errors.js';

/** The Garmin Connect mobile app's user agent (as seen in the recorded mobile sign-in). */
export const MOBILE_APP_USER_AGENT = 'GCM-iOS-5.22.1.4';
/** A mobile Safari user agent, used by the classic HTML widget flow (as recorded). */
export const MOBILE_BROWSER_USER_AGENT =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 16_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148';

/** One HTTP request. */
export interface HttpRequest {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  url: string | URL;
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** Cookie jar to read from and write to (SSO only). */
  jar?: CookieJar;
  /** Follow 301/302/303/307/308 (classic widget flow). */
  followRedirects?: boolean;
  /** Total time for this request (ms); overrides the transport default. */
  timeoutMs?: number;
  /** Cancels the request: the socket is destroyed and the promise rejects with an AbortError. */
  signal?: AbortSignal;
}

/** One HTTP answer, body fully read. */
export interface HttpResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  /** The URL that produced this answer (after redirects). */
  url: URL;
}

/** Options of {@link Transport}. */
export interface TransportOptions {
  /** Connect timeout in ms (default 5000). */
  connectTimeoutMs?: number;
  /** Total request timeout in ms (default 30000). */
  timeoutMs?: number;
  /** Redirect hop limit (default 10). */
  maxRedirects?: number;
  /** Default user agent (default {@link MOBILE_APP_USER_AGENT}). */
  userAgent?: string;
}

/** Something that performs HTTP requests; tests and the server may wrap it. */
export interface HttpClient {
  request(req: HttpRequest): Promise<HttpResponse>;
}

/** The default node:http/node:https transport. */
export class Transport implements HttpClient {
  private readonly connectTimeoutMs: number;
  private readonly timeoutMs: number;
  private readonly maxRedirects: number;
  readonly userAgent: string;
  private readonly agents = {
    http: new http.Agent({ keepAlive: true, maxSockets: 8 }),
    https: new https.Agent({ keepAlive: true, maxSockets: 8 }),
  };

  constructor(opts: TransportOptions = {}) {
    this.connectTimeoutMs = opts.connectTimeoutMs ?? 5000;
    this.timeoutMs = opts.timeoutMs ?? 30_000;
    this.maxRedirects = opts.maxRedirects ?? 10;
    this.userAgent = opts.userAgent ?? MOBILE_APP_USER_AGENT;
  }

  /** Closes idle keep-alive sockets. */
  close(): void {
    this.agents.http.destroy();
    this.agents.https.destroy();
  }

  /** Sends a request (following redirects when asked) and reads the whole body. */
  async request(req: HttpRequest): Promise<HttpResponse> {
    let url = new URL(req.url);
    let method = req.method;
    let body = req.body;
    let headers = { ...req.headers };
    for (let hop = 0; ; hop++) {
      const res = await this.once(method, url, headers, body, req.jar, req.timeoutMs ?? this.timeoutMs, req.signal);
      const location = res.headers.location;
      if (!req.followRedirects || !location || ![301, 302, 303, 307, 308].includes(res.status)) return res;
      if (hop >= this.maxRedirects) return res;
      const next = new URL(location, url);
      if (res.status === 301 || res.status === 302 || res.status === 303) {
        method = 'GET';
        body = undefined;
        headers = withoutBodyHeaders(headers);
      }
      // Browsers send the page they came from; Garmin's widget checks it.
      headers = { ...headers, referer: url.toString() };
      url = next;
    }
  }

  private once(
    method: string,
    url: URL,
    headers: Record<string, string>,
    body: string | Buffer | undefined,
    jar: CookieJar | undefined,
    timeoutMs: number,
    signal: AbortSignal | undefined,
  ): Promise<HttpResponse> {
    if (signal?.aborted) return Promise.reject(abortError(signal));
    const isHttps = url.protocol === 'https:';
    const lib = isHttps ? https : http;
    const h: Record<string, string> = {
      'user-agent': this.userAgent,
      accept: '*/*',
      'accept-language': 'en-US,en;q=0.9',
      ...lowerKeys(headers),
    };
    const cookie = jar?.headerFor(url);
    if (cookie) h.cookie = cookie;
    const payload = body === undefined ? undefined : Buffer.isBuffer(body) ? body : Buffer.from(body, 'utf8');
    if (payload) h['content-length'] = String(payload.length);
    const what = `${method} ${url.pathname}`;
    return new Promise<HttpResponse>((resolve, reject) => {
      let settled = false;
      let gotResponse = false;
      const fail = (err: Error) => {
        if (settled) return;
        settled = true;
        clearTimeout(total);
        clearTimeout(connect);
        signal?.removeEventListener('abort', onAbort);
        reject(err);
      };
      const req = lib.request(url, { method, headers: h, agent: isHttps ? this.agents.https : this.agents.http });
      // Destroying the request closes its socket (a keep-alive socket is not reused), so the
      // server sees the connection go and stops working for an answer nobody reads.
      const onAbort = () => {
        fail(abortError(signal as AbortSignal));
        req.destroy();
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      const total = setTimeout(() => {
        fail(new GarminNetworkError('timeout', `${what}: no complete answer within ${timeoutMs} ms`));
        req.destroy();
      }, timeoutMs);
      let connect: NodeJS.Timeout | undefined;
      req.on('socket', (socket) => {
        if (!socket.connecting) return; // a reused keep-alive socket
        connect = setTimeout(() => {
          fail(new GarminNetworkError('connect', `${what}: could not connect within ${this.connectTimeoutMs} ms`));
          req.destroy();
        }, this.connectTimeoutMs);
        socket.once('connect', () => clearTimeout(connect));
      });
      req.on('error', (err: NodeJS.ErrnoException) => {
        const code = err.code ?? '';
        if (gotResponse) {
          fail(new GarminNetworkError('truncated', `${what}: connection lost while reading the answer`, { cause: err }));
        } else if (['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH'].includes(code)) {
          fail(new GarminNetworkError('connect', `${what}: cannot connect (${code})`, { cause: err }));
        } else {
          fail(new GarminNetworkError('reset', `${what}: connection failed (${code || err.message})`, { cause: err }));
        }
      });
      req.on('response', (res) => {
        gotResponse = true;
        jar?.setFromResponse(url, res.headers['set-cookie']);
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('aborted', () =>
          fail(new GarminNetworkError('truncated', `${what}: connection lost while reading the answer`)),
        );
        res.on('error', (err) =>
          fail(new GarminNetworkError('truncated', `${what}: connection lost while reading the answer`, { cause: err })),
        );
        res.on('end', () => {
          if (settled) return;
          const buf = Buffer.concat(chunks);
          const declared = res.headers['content-length'];
          // A body shorter than announced is a cut connection, not an answer (retryable).
          if (declared !== undefined && method !== 'HEAD' && Number(declared) !== buf.length) {
            fail(
              new GarminNetworkError('truncated', `${what}: answer truncated (${buf.length} of ${declared} bytes)`),
            );
            return;
          }
          if (!res.complete) {
            fail(new GarminNetworkError('truncated', `${what}: answer truncated`));
            return;
          }
          settled = true;
          clearTimeout(total);
          signal?.removeEventListener('abort', onAbort);
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: buf, url });
        });
      });
      if (payload) req.end(payload);
      else req.end();
    });
  }
}

function lowerKeys(h: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(h)) out[k.toLowerCase()] = v;
  return out;
}

function withoutBodyHeaders(h: Record<string, string>): Record<string, string> {
  const out = lowerKeys(h);
  delete out['content-type'];
  delete out['content-length'];
  return out;
}

/** The answer's media type without parameters, lower-case ('' when absent). */
export function mediaType(res: HttpResponse): string {
  return String(res.headers['content-type'] ?? '')
    .split(';')[0]!
    .trim()
    .toLowerCase();
}

/** The `<title>` of an HTML page, whitespace collapsed, or undefined. */
export function pageTitle(html: string): string | undefined {
  const m = /<title[^>]*>([\s\S]*?)<\/title>/i.exec(html);
  return m ? m[1]!.replace(/\s+/g, ' ').trim() : undefined;
}

/** Describes an answer for error messages without its body: status, media type, title. */
export function describeAnswer(res: HttpResponse): string {
  const type = mediaType(res) || 'no content type';
  const title = type.includes('html') ? pageTitle(res.body.toString('utf8')) : undefined;
  return `HTTP ${res.status} ${type}${title ? ` titled "${title}"` : ''}`;
}

/**
 * Seconds to wait from a `Retry-After` header (delta-seconds or HTTP date),
 * or undefined when absent/unreadable.
 */
export function retryAfterSeconds(res: HttpResponse, nowMs: number): number | undefined {
  const raw = res.headers['retry-after'];
  const v = Array.isArray(raw) ? raw[0] : raw;
  if (!v) return undefined;
  if (/^\d+$/.test(v.trim())) return Number(v.trim());
  const t = Date.parse(v);
  if (Number.isNaN(t)) return undefined;
  return Math.max(0, Math.ceil((t - nowMs) / 1000));
}
