import type { IncomingMessage } from 'node:http';
import { errorFromProblem } from '../client/problem.js';
import { AuthError, UnavailableError } from '../errors.js';
import type { Secret } from '../secret.js';
import type { Session } from '../session.js';

export interface OpenStreamOptions {
  baseUrl: string;
  path: string;
  session: Session;
  headers?: Record<string, string>;
  connectTimeoutMs?: number;
  /** Time allowed until the response headers arrive (spec: request timeout 30 s). */
  headersTimeoutMs?: number;
  /** Time allowed between two body chunks; the stream is destroyed with an UnavailableError after it. */
  idleTimeoutMs?: number;
  log?: (line: string) => void;
}

/** The most of an error answer's body read: problem documents are small. */
const MAX_PROBLEM_BYTES = 65_536;

/** A 2xx response whose body the caller consumes as a stream. */
export interface OpenedStream {
  res: IncomingMessage;
  /** Stops reading and frees the socket. */
  close(): void;
}

/**
 * An authenticated GET whose body is read incrementally (SSE, FIT downloads):
 * the ApiClient buffers whole bodies, which neither an endless event stream nor
 * a large file fits. Error answers become the same typed errors as elsewhere
 * (client/problem.ts); a 401 invalid_token refreshes the session once.
 */
export async function openStream(o: OpenStreamOptions): Promise<OpenedStream> {
  const token = await o.session.accessToken();
  try {
    return await attempt(o, token);
  } catch (err) {
    if (!(err instanceof AuthError && err.api?.code === 'invalid_token')) throw err;
  }
  const next = await o.session.refresh(token);
  return attempt(o, next.accessToken);
}

async function attempt(o: OpenStreamOptions, token: Secret): Promise<OpenedStream> {
  const url = new URL(o.baseUrl + o.path);
  const mod = url.protocol === 'https:' ? await import('node:https') : await import('node:http');
  const connectTimeoutMs = o.connectTimeoutMs ?? 5_000;
  const headersTimeoutMs = o.headersTimeoutMs ?? 30_000;
  o.log?.(`> GET ${url.href} (Authorization: Bearer [REDACTED])`);
  return new Promise<OpenedStream>((resolve, reject) => {
    let settled = false;
    const req = mod.request(url, {
      method: 'GET',
      headers: { 'user-agent': 'fitsync-cli', ...o.headers, authorization: `Bearer ${token.reveal()}` },
    });
    const fail = (why: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(headersTimer);
      o.log?.(`< GET ${url.href} failed: ${why}`);
      req.destroy();
      reject(new UnavailableError(`cannot reach ${o.baseUrl}: ${why}`));
    };
    const headersTimer = setTimeout(() => fail(`no answer within ${headersTimeoutMs / 1000} s`), headersTimeoutMs);
    req.on('socket', (socket) => {
      if (!socket.connecting) return;
      const t = setTimeout(() => fail(`connection timed out after ${connectTimeoutMs / 1000} s`), connectTimeoutMs);
      socket.once('connect', () => clearTimeout(t));
      socket.once('close', () => clearTimeout(t));
    });
    req.on('error', (err: NodeJS.ErrnoException) => fail(err.code ?? err.message));
    req.on('response', (res) => {
      clearTimeout(headersTimer);
      const status = res.statusCode ?? 0;
      o.log?.(`< ${status} GET ${url.href}`);
      if (status >= 200 && status < 300) {
        settled = true;
        if (o.idleTimeoutMs !== undefined) {
          const ms = o.idleTimeoutMs;
          res.setTimeout(ms, () => res.destroy(new UnavailableError(`${o.baseUrl} sent nothing for ${ms / 1000} s`)));
        }
        resolve({ res, close: () => req.destroy() });
        return;
      }
      // An error answer: read (a bounded amount of) the problem document.
      const chunks: Buffer[] = [];
      let size = 0;
      const ra = res.headers['retry-after'];
      const retryAfter = Array.isArray(ra) ? ra[0] : ra;
      res.on('data', (c: Buffer) => {
        if (settled) return;
        size += c.length;
        if (size <= MAX_PROBLEM_BYTES) {
          chunks.push(c);
          return;
        }
        // No problem document is this big: stop reading (an endless body would
        // otherwise be drained forever) and judge by the status alone.
        settled = true;
        req.destroy();
        reject(errorFromProblem(status, undefined, o.baseUrl, retryAfter));
      });
      res.on('error', (err: NodeJS.ErrnoException) => fail(err.code ?? 'response error'));
      res.on('end', () => {
        if (settled) return;
        settled = true;
        let body: unknown;
        try {
          body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
        } catch {
          body = undefined;
        }
        reject(errorFromProblem(status, body, o.baseUrl, retryAfter));
      });
    });
    req.end();
  });
}
