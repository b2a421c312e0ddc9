import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import type { Readable } from 'node:stream';
import type { Runtime } from '@fitsync/runtime';
import { UnavailableError } from '../errors.js';
import { type Secret, redactJson } from '../secret.js';
import { errorFromProblem } from './problem.js';

export interface ApiClientOptions {
  baseUrl: string;
  runtime: Runtime;
  /** Receives one redacted line per request/response when -v is on. */
  log?: (line: string) => void;
  userAgent?: string;
  connectTimeoutMs?: number;
  requestTimeoutMs?: number;
  /** Retries of idempotent GETs on network errors and 502/503/504. */
  maxRetries?: number;
  /** The largest answer body read into memory (default MAX_ANSWER_BYTES). */
  maxBodyBytes?: number;
}

/**
 * The largest JSON answer the CLI reads: far above any real one (a page of 100
 * activities is a few tens of KiB), low enough that a broken or hostile server
 * cannot make the CLI buffer hundreds of MB. Downloads do not go through here
 * (they are streamed to disk, see stream/open-stream.ts).
 */
export const MAX_ANSWER_BYTES = 16 * 1024 * 1024;

/**
 * A server answer the CLI will not use (too large): UnavailableError, exit 6 like
 * an invalid JSON answer ("server unavailable", the server is not working as
 * it should), and not retried, since asking again would read it again.
 */
export class BadAnswerError extends UnavailableError {}

export interface RequestOptions {
  body?: unknown;
  token?: Secret;
  headers?: Record<string, string>;
  /** Bytes streamed as the body instead of JSON (never held whole in memory). */
  upload?: UploadBody;
  /** Abandons the request (the connection is closed); it then fails with UnavailableError. */
  signal?: AbortSignal;
}

/** A streamed request body (an archive's bytes). */
export interface UploadBody {
  /** Opens the bytes to send; called again for every attempt (a refreshed token retries the request). */
  open(): Readable;
  /** Their exact length (sent as Content-Length). */
  length: number;
  contentType: string;
  /** Bytes handed to the connection so far in this attempt. */
  onProgress?(sent: number): void;
}

export interface ApiResponse<T = unknown> {
  status: number;
  headers: IncomingHttpHeaders;
  body: T;
}

const RETRYABLE_STATUS = new Set([502, 503, 504]);

/**
 * JSON over node:http/node:https (loaded on first use; fetch/undici cost start-up
 * time). Error answers become typed errors (see problem.ts); network errors and
 * timeouts become UnavailableError naming the server.
 */
export class ApiClient {
  readonly baseUrl: string;
  readonly #o: Required<Omit<ApiClientOptions, 'log'>> & { log?: (line: string) => void };

  constructor(o: ApiClientOptions) {
    this.baseUrl = o.baseUrl;
    this.#o = {
      userAgent: 'fitsync-cli',
      connectTimeoutMs: 5_000,
      requestTimeoutMs: 30_000,
      maxRetries: 3,
      maxBodyBytes: MAX_ANSWER_BYTES,
      ...o,
    };
  }

  /** Sends one request; throws a typed error for non-2xx answers. */
  async request<T = unknown>(method: string, path: string, opts: RequestOptions = {}): Promise<ApiResponse<T>> {
    const retries = method === 'GET' ? this.#o.maxRetries : 0;
    for (let attempt = 0; ; attempt++) {
      let res: RawResponse;
      try {
        res = await this.#once(method, path, opts);
      } catch (err) {
        if (attempt < retries && !(err instanceof BadAnswerError)) {
          await this.#backoff(attempt, undefined);
          continue;
        }
        throw err;
      }
      if (RETRYABLE_STATUS.has(res.status) && attempt < retries) {
        await this.#backoff(attempt, res.headers['retry-after']);
        continue;
      }
      if (res.status >= 200 && res.status < 300) return { status: res.status, headers: res.headers, body: res.body as T };
      const ra = res.headers['retry-after'];
      throw errorFromProblem(res.status, res.body, this.baseUrl, Array.isArray(ra) ? ra[0] : ra);
    }
  }

  async #backoff(attempt: number, retryAfter: string | string[] | undefined): Promise<void> {
    const ra = typeof retryAfter === 'string' && /^\d+$/.test(retryAfter) ? Number(retryAfter) * 1000 : undefined;
    // Full jitter (AWS architecture blog "Exponential Backoff And Jitter"), capped.
    const base = Math.min(250 * 2 ** attempt, 4_000);
    const ms = ra !== undefined ? Math.min(ra, 10_000) : base / 2 + this.#o.runtime.random() * (base / 2);
    this.#o.log?.(`* retrying in ${Math.round(ms)} ms`);
    await this.#o.runtime.sleep(ms);
  }

  async #once(method: string, path: string, opts: RequestOptions): Promise<RawResponse> {
    const url = new URL(this.baseUrl + path);
    const mod = url.protocol === 'https:' ? await import('node:https') : await import('node:http');
    const headers: Record<string, string> = {
      accept: 'application/json, application/problem+json',
      'user-agent': this.#o.userAgent,
      ...opts.headers,
    };
    let payload: string | undefined;
    if (opts.upload) {
      headers['content-type'] = opts.upload.contentType;
      headers['content-length'] = String(opts.upload.length);
    } else if (opts.body !== undefined) {
      payload = JSON.stringify(opts.body);
      headers['content-type'] = 'application/json';
      headers['content-length'] = String(Buffer.byteLength(payload));
    }
    if (opts.token) headers.authorization = `Bearer ${opts.token.reveal()}`;
    const log = this.#o.log;
    const started = this.#o.runtime.now();
    if (log) {
      log(`> ${method} ${url.href}${opts.token ? ' (Authorization: Bearer [REDACTED])' : ''}`);
      if (opts.body !== undefined) log(`> ${JSON.stringify(redactJson(opts.body))}`);
    }
    const { connectTimeoutMs, requestTimeoutMs, maxBodyBytes } = this.#o;
    const server = this.baseUrl;
    return new Promise<RawResponse>((resolve, reject) => {
      let settled = false;
      let answered = false;
      const fail = (why: string) => {
        if (settled) return;
        settled = true;
        clearTimeout(overall);
        log?.(`< ${method} ${url.href} failed: ${why} (${this.#o.runtime.now() - started} ms)`);
        reject(new UnavailableError(`cannot reach ${server}: ${why}`));
      };
      const req = mod.request(url, { method, headers });
      // A streamed body may take far longer than any answer should: while bytes flow, the limit
      // counts from the last chunk sent, not from the start.
      const arm = () =>
        setTimeout(() => {
          fail(`no answer within ${requestTimeoutMs / 1000} s`);
          req.destroy();
        }, requestTimeoutMs);
      let overall = arm();
      if (opts.signal) {
        const onAbort = () => {
          fail('stopped');
          req.destroy();
        };
        if (opts.signal.aborted) queueMicrotask(onAbort);
        else opts.signal.addEventListener('abort', onAbort, { once: true });
        req.on('close', () => opts.signal?.removeEventListener('abort', onAbort));
      }
      req.on('socket', (socket) => {
        if (!socket.connecting) return;
        const t = setTimeout(() => {
          fail(`connection timed out after ${connectTimeoutMs / 1000} s`);
          req.destroy();
        }, connectTimeoutMs);
        socket.once('connect', () => clearTimeout(t));
        socket.once('close', () => clearTimeout(t));
      });
      req.on('error', (err: NodeJS.ErrnoException) => {
        // A server that answered before reading the whole body (409, 413) closes the connection
        // under the rest of it: the answer is what counts.
        if (answered && (err.code === 'EPIPE' || err.code === 'ECONNRESET')) return;
        fail(err.code ?? err.message);
      });
      req.on('response', (res: IncomingMessage) => {
        answered = true;
        const chunks: Buffer[] = [];
        let size = 0;
        const tooLarge = () => {
          if (settled) return;
          settled = true;
          clearTimeout(overall);
          log?.(`< ${res.statusCode} ${method} ${url.href} answer larger than ${maxBodyBytes} bytes: stopped reading`);
          // Stop reading and drop the connection: nothing more of the body is received.
          req.destroy();
          reject(new BadAnswerError(`${server} sent an answer larger than ${formatBytes(maxBodyBytes)} (${method} ${url.pathname}); not reading it`));
        };
        const declared = Number(res.headers['content-length']);
        if (Number.isFinite(declared) && declared > maxBodyBytes) {
          tooLarge();
          return;
        }
        res.on('data', (c: Buffer) => {
          if (settled) return;
          size += c.length;
          if (size > maxBodyBytes) {
            chunks.length = 0;
            tooLarge();
            return;
          }
          chunks.push(c);
        });
        res.on('error', (err: NodeJS.ErrnoException) => fail(err.code ?? 'response error'));
        res.on('end', () => {
          if (settled) return;
          settled = true;
          clearTimeout(overall);
          const raw = Buffer.concat(chunks);
          const status = res.statusCode ?? 0;
          const type = String(res.headers['content-type'] ?? '');
          let body: unknown = raw;
          if (/json/.test(type) && raw.length > 0) {
            try {
              body = JSON.parse(raw.toString('utf8'));
            } catch {
              if (status < 400) {
                log?.(`< ${status} ${method} ${url.href} invalid JSON`);
                reject(new UnavailableError(`${server} sent an invalid JSON answer (HTTP ${status})`));
                return;
              }
              body = undefined;
            }
          } else if (raw.length === 0) {
            body = undefined;
          }
          if (log) {
            log(`< ${status} ${method} ${url.href} (${this.#o.runtime.now() - started} ms)`);
            if (body !== undefined && !Buffer.isBuffer(body)) log(`< ${JSON.stringify(redactJson(body)).slice(0, 2000)}`);
          }
          resolve({ status, headers: res.headers, body });
        });
      });
      if (!opts.upload) {
        req.end(payload);
        return;
      }
      const { onProgress } = opts.upload;
      const source = opts.upload.open();
      let sent = 0;
      source.on('data', (c: Buffer) => {
        sent += c.length;
        if (settled || answered) return;
        clearTimeout(overall);
        overall = arm();
        onProgress?.(sent);
      });
      source.on('error', (err: NodeJS.ErrnoException) => {
        fail(`reading the file failed (${err.code ?? err.message})`);
        req.destroy();
      });
      // pipe() pauses the file while the socket is full: memory stays at a few chunks.
      source.pipe(req);
      req.on('close', () => source.destroy());
    });
  }
}

function formatBytes(n: number): string {
  return n % (1024 * 1024) === 0 ? `${n / 1024 / 1024} MiB` : `${n} bytes`;
}

interface RawResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: unknown;
}
