import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { CONTENT_SECURITY_POLICY } from './security-headers.js';
import { loadWebFiles, SAFE_NAME, type WebFile } from './web-files.js';

/** Every path of the app answers index.html; its script routes in the browser (docs/web.md). */
export const APP_PATHS = ['/', '/sign-in', '/sync', '/activities', '/activities/:id', '/health', '/settings', '/device'] as const;

export const NOT_BUILT = 'the web app is not built: run npm run build';
const IMMUTABLE = 'public, max-age=31536000, immutable';
const REVALIDATE = 'no-cache';

/**
 * Serves the built web app from `dir` (config.webDir): the app paths (index.html, revalidated each
 * time), /assets/* (hashed names: cached for a year, precompressed .br/.gz by Accept-Encoding), and
 * the other top-level files. Files are read into memory on the first request (API-only servers and
 * tests never read them); while the dir has no index.html the app paths answer 503 and it is looked
 * for again on the next request.
 */
export const webApp: FastifyPluginAsync<{ dir: string }> = async (app, opts) => {
  let loading: Promise<Map<string, WebFile> | undefined> | undefined;
  const files = async () => {
    loading ??= loadWebFiles(opts.dir);
    const loaded = await loading;
    if (!loaded) loading = undefined;
    return loaded;
  };

  const schema = { hide: true };
  for (const path of APP_PATHS) {
    app.get(path, { schema }, async (request, reply) => {
      const index = (await files())?.get('index.html');
      if (!index) return reply.code(503).header('cache-control', 'no-store').type('text/plain; charset=utf-8').send(NOT_BUILT);
      return sendFile(request, reply, index, REVALIDATE);
    });
  }

  app.get<{ Params: { '*': string } }>('/assets/*', { schema }, async (request, reply) => {
    const rel = request.params['*'];
    const file = rel.split('/').every((seg) => SAFE_NAME.test(seg)) ? (await files())?.get(`assets/${rel}`) : undefined;
    if (!file) {
      reply.callNotFound();
      return reply;
    }
    return sendFile(request, reply, file, IMMUTABLE, true);
  });

  app.get<{ Params: { file: string } }>('/:file', { schema }, async (request, reply) => {
    const name = request.params.file;
    const file = SAFE_NAME.test(name) ? (await files())?.get(name) : undefined;
    if (!file) {
      reply.callNotFound();
      return reply;
    }
    return sendFile(request, reply, file, REVALIDATE);
  });
};

function sendFile(request: FastifyRequest, reply: FastifyReply, f: WebFile, cacheControl: string, alwaysVary = false): FastifyReply {
  const encoding = f.br || f.gz ? pickEncoding(request.headers['accept-encoding'], f) : null;
  const etag = encoding === null ? f.etag : `${f.etag.slice(0, -1)}-${encoding === 'br' ? 'br' : 'gz'}"`;
  reply.header('cache-control', cacheControl).header('etag', etag);
  if (alwaysVary || f.br || f.gz) reply.header('vary', 'Accept-Encoding');
  if (f.html) reply.header('content-security-policy', CONTENT_SECURITY_POLICY);
  if (notModified(request.headers['if-none-match'], etag)) return reply.code(304).send();
  reply.type(f.type);
  if (encoding !== null) reply.header('content-encoding', encoding);
  return reply.send(encoding === 'br' ? f.br : encoding === 'gzip' ? f.gz : f.body);
}

/** br, else gzip, when the request accepts it (q > 0) and the file has that form; else identity (null). */
export function pickEncoding(header: string | undefined, f: Pick<WebFile, 'br' | 'gz'>): 'br' | 'gzip' | null {
  if (!header) return null;
  const accepted = new Map<string, number>();
  for (const part of header.toLowerCase().split(',')) {
    const [name, ...params] = part.split(';').map((p) => p.trim());
    if (!name) continue;
    const q = params.find((p) => p.startsWith('q='));
    const weight = q === undefined ? 1 : Number(q.slice(2));
    accepted.set(name, Number.isFinite(weight) ? weight : 0);
  }
  const ok = (name: string) => (accepted.get(name) ?? accepted.get('*') ?? 0) > 0;
  if (f.br && ok('br')) return 'br';
  if (f.gz && ok('gzip')) return 'gzip';
  return null;
}

/** RFC 9110 §13.1.2: If-None-Match matches by weak comparison (a W/ prefix is ignored), `*` matches any. */
function notModified(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  if (header.trim() === '*') return true;
  return header.split(',').some((t) => t.trim().replace(/^W\//, '') === etag);
}
