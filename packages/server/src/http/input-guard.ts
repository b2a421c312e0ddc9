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
  app.addHook('preHandler', async (request) => {
    const parts: [string, unknown][] = [
      ['params', request.params],
      ['querystring', request.query],
      // A streamed body (an upload's bytes) is not parsed: nothing in it to check here.
      ['body', isStream(request.body) ? undefined : request.body],
    ];
    for (const [part, value] of parts) {
      const bad = firstUnsafeValue(value);
      if (bad) {
        const path = `${part}${bad.path}`;
        throw new ApiError(400, 'validation_error', 'The request is not valid.', { errors: [{ path, message: bad.message }] });
      }
    }
  });
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
