import type { FastifyInstance } from 'fastify';
import { ApiError } from './api-error.js';

/**
 * One rule for every route, after schema validation: no string in params, query or body may hold
 * a NUL character (PostgreSQL cannot store it in text and fails the query), and no number may be
 * infinite. The second closes an Ajv gap: a query value "Infinity" or "1e309" is coerced to
 * Infinity, and `minimum`/`maximum` skip non-finite numbers, so `?limit=Infinity` passed the
 * integer schema and reached the SQL.
 */
export function installInputGuard(app: FastifyInstance): void {
  // A callback hook that allocates nothing for a request without input (issue 13: `GET /v1/me`).
  app.addHook('preHandler', (request, _reply, done) => {
    const bad =
      unsafePart('params', request.params) ??
      unsafePart('querystring', request.query) ??
      // A streamed body (an upload's bytes) is not parsed: nothing in it to check here.
      (isStream(request.body) ? undefined : unsafePart('body', request.body));
    if (!bad) {
      done();
      return;
    }
    done(new ApiError(400, 'validation_error', 'The request is not valid.', { errors: [bad] }));
  });
}

function unsafePart(part: string, value: unknown): { path: string; message: string } | undefined {
  if (value === undefined || value === null || isEmptyObject(value)) return undefined;
  const bad = firstUnsafeValue(value);
  return bad && { path: `${part}${bad.path}`, message: bad.message };
}

function isEmptyObject(v: unknown): boolean {
  if (typeof v !== 'object' || Array.isArray(v)) return false;
  for (const _ in v) return false;
  return true;
}

/** The first NUL-holding string or non-finite number in a parsed JSON/query value (JSON-pointer path). */
export function firstUnsafeValue(root: unknown): { path: string; message: string } | undefined {
  // Iterative: a deeply nested body must not overflow the stack.
  const stack: [unknown, string][] = [[root, '']];
  while (stack.length > 0) {
    const [v, path] = stack.pop()!;
    if (typeof v === 'string') {
      if (v.includes('\u0000')) return { path, message: 'must not contain NUL characters' };
    } else if (typeof v === 'number') {
      if (!Number.isFinite(v)) return { path, message: 'must be a finite number' };
    } else if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) stack.push([v[i], `${path}/${i}`]);
    } else if (v !== null && typeof v === 'object') {
      for (const [k, item] of Object.entries(v)) {
        if (k.includes('\u0000')) return { path, message: 'must not contain NUL characters' };
        stack.push([item, `${path}/${k}`]);
      }
    }
  }
  return undefined;
}

function isStream(v: unknown): boolean {
  return v !== null && typeof v === 'object' && typeof (v as { pipe?: unknown }).pipe === 'function';
}
