import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { after, describe, test } from 'node:test';
import { ApiClient } from '../../src/client/client.js';
import { AuthError, ConflictError, NotFoundError, UnavailableError, UsageError } from '../../src/errors.js';
import { Secret } from '../../src/secret.js';
import { DrivenRuntime } from '../helpers/driven-runtime.js';
import { type PlannedCall, problem, StubServer } from '../helpers/stub-server.js';

describe('ApiClient', () => {
  const stubs: StubServer[] = [];
  after(async () => {
    for (const s of stubs) await s.close();
  });
  const stub = async (...plan: PlannedCall[]) => {
    const s = await StubServer.start(plan);
    stubs.push(s);
    return s;
  };

  test('problem answers become typed errors with the contract wording', async () => {
    const s = await stub(
      { method: 'POST', path: '/a', reply: problem(401, 'invalid_credentials', { detail: 'nope' }) },
      { method: 'POST', path: '/b', reply: { ...problem(429, 'too_many_attempts'), headers: { 'retry-after': '42' } } },
      { method: 'POST', path: '/c', reply: problem(401, 'invalid_mfa_code', { attempts_left: 2 }) },
      { method: 'POST', path: '/d', reply: problem(404, 'not_found', { detail: 'no such job' }) },
      { method: 'POST', path: '/e', reply: problem(409, 'sync_in_progress', { detail: 'a sync is running', job_id: 'j1' }) },
      { method: 'POST', path: '/f', reply: problem(400, 'validation_error', { detail: 'bad date' }) },
      { method: 'POST', path: '/g', reply: problem(500, 'internal_error', { detail: 'db down' }) },
    );
    const api = new ApiClient({ baseUrl: s.url, runtime: new DrivenRuntime() });
    const expect = async (path: string, cls: new (...a: never[]) => Error, msg: RegExp) =>
      assert.rejects(api.request('POST', path, { body: {} }), (e: unknown) => {
        assert.ok(e instanceof cls, `${path}: ${String(e)}`);
        assert.match((e as Error).message, msg);
        return true;
      });
    await expect('/a', AuthError, /^Invalid username or password$/);
    await expect('/b', AuthError, /^Too many attempts; try again in 42 seconds$/);
    await expect('/c', AuthError, /Invalid code, 2 attempts left/);
    await expect('/d', NotFoundError, /no such job/);
    await expect('/e', ConflictError, /a sync is running/);
    await expect('/f', UsageError, /bad date/);
    await expect('/g', UnavailableError, new RegExp(`${s.url} is unavailable \\(HTTP 500`));
    s.verify();
  });

  test('GETs are retried on 503 with backoff; POSTs are not', async () => {
    const s = await stub(
      { method: 'GET', path: '/v1/me', reply: problem(503, 'internal_error'), times: 2 },
      { method: 'GET', path: '/v1/me', reply: { status: 200, body: { ok: true } } },
      { method: 'POST', path: '/p', reply: problem(503, 'internal_error') },
    );
    const runtime = new DrivenRuntime();
    const start = runtime.now();
    const api = new ApiClient({ baseUrl: s.url, runtime });
    const res = await runtime.drive(api.request('GET', '/v1/me'));
    assert.deepEqual(res.body, { ok: true });
    assert.ok(runtime.now() > start, 'backed off through the injected runtime');
    await assert.rejects(runtime.drive(api.request('POST', '/p')), UnavailableError);
    s.verify();
  });

  test('GETs give up after 3 retries', async () => {
    const s = await stub({ method: 'GET', path: '/x', reply: problem(502, 'internal_error'), times: 4 });
    const runtime = new DrivenRuntime();
    const api = new ApiClient({ baseUrl: s.url, runtime });
    await assert.rejects(runtime.drive(api.request('GET', '/x')), UnavailableError);
    s.verify();
  });

  test('connection refused and reset are UnavailableError naming the server', async () => {
    const srv = createServer((sock) => sock.destroy());
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    const port = (srv.address() as { port: number }).port;
    const api = new ApiClient({ baseUrl: `http://127.0.0.1:${port}`, runtime: new DrivenRuntime(), maxRetries: 0 });
    await assert.rejects(api.request('GET', '/x'), (e: unknown) => e instanceof UnavailableError && e.message.includes(`cannot reach http://127.0.0.1:${port}`));
    await new Promise((r) => srv.close(r));
    await assert.rejects(api.request('GET', '/x'), /ECONNREFUSED/);
  });

  test('the request timeout applies', async () => {
    const srv = createServer(() => {
      /* accept and never answer */
    });
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    const port = (srv.address() as { port: number }).port;
    const api = new ApiClient({ baseUrl: `http://127.0.0.1:${port}`, runtime: new DrivenRuntime(), maxRetries: 0, requestTimeoutMs: 100 });
    await assert.rejects(api.request('GET', '/x'), /no answer within 0.1 s/);
    srv.close();
    srv.unref();
  });

  test('verbose log: method, URL, status, duration; secrets redacted', async () => {
    const s = await stub({
      method: 'POST',
      path: '/v1/auth/login',
      reply: { status: 200, body: { access_token: 'TOKEN-XYZ', refresh_token: 'REFRESH-XYZ', user: { username: 'ada' } } },
    });
    const lines: string[] = [];
    const api = new ApiClient({ baseUrl: s.url, runtime: new DrivenRuntime(), log: (l) => lines.push(l) });
    await api.request('POST', '/v1/auth/login', { body: { username: 'ada', password: 'PASSWORD-XYZ', code: '123456' }, token: new Secret('BEARER-XYZ') });
    const log = lines.join('\n');
    assert.match(log, new RegExp(`> POST ${s.url}/v1/auth/login`));
    assert.match(log, new RegExp(`< 200 POST ${s.url}/v1/auth/login \\(\\d+ ms\\)`));
    assert.match(log, /"username":"ada"/);
    for (const secret of ['TOKEN-XYZ', 'REFRESH-XYZ', 'PASSWORD-XYZ', '123456', 'BEARER-XYZ']) assert.ok(!log.includes(secret), secret);
    assert.equal(s.calls[0]?.headers.authorization, 'Bearer BEARER-XYZ');
  });
});

test('Secret never prints its value', async () => {
  const { inspect } = await import('node:util');
  const s = new Secret('hunter2');
  assert.equal(`${s}`, '[REDACTED]');
  assert.equal(JSON.stringify({ s }), '{"s":"[REDACTED]"}');
  assert.ok(!inspect({ s }).includes('hunter2'));
  assert.equal(s.reveal(), 'hunter2');
});
