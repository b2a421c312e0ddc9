import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';

export interface Res {
  status: number;
  headers: Record<string, string | string[] | number | undefined>;
  // biome-ignore lint/suspicious/noExplicitAny: test responses are JSON the assertions navigate freely
  body: any;
}

/** Calls the app in-process (fastify inject) as a client at `ip` would. */
export async function call(
  app: FastifyInstance,
  method: 'GET' | 'POST' | 'DELETE' | 'PUT',
  url: string,
  opts: { body?: unknown; token?: string; ip?: string } = {},
): Promise<Res> {
  const res = await app.inject({
    method,
    url,
    ...(opts.body !== undefined ? { payload: opts.body as object } : {}),
    headers: opts.token ? { authorization: `Bearer ${opts.token}` } : {},
    remoteAddress: opts.ip ?? '127.0.0.1',
  });
  const type = String(res.headers['content-type'] ?? '');
  const body = type.includes('json') && res.body ? JSON.parse(res.body) : res.body;
  return { status: res.statusCode, headers: res.headers, body };
}

/** Asserts a problem+json answer with the given status and code; returns its body. */
// biome-ignore lint/suspicious/noExplicitAny: a problem document with optional extras, read by assertions
export function assertProblem(res: Res, status: number, code: string): any {
  assert.equal(res.status, status, `expected ${status} ${code}, got ${res.status} ${JSON.stringify(res.body)}`);
  assert.match(String(res.headers['content-type']), /^application\/problem\+json/);
  assert.equal(res.body.code, code);
  assert.equal(res.body.status, status);
  return res.body;
}

let seq = 0;
/** A username unique within the test run. */
export function uniqueName(prefix = 'u'): string {
  seq += 1;
  return `${prefix}${seq}_${process.pid}`;
}
