import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startTestServer, type TestServer } from '../src/testing/test-server.js';
import { call } from './helpers/api.js';
import { dialects } from './helpers/dialects.js';

for (const { dialect, skip } of await dialects()) {
  describe(`operations endpoints on ${dialect}`, { skip }, () => {
    let s: TestServer;
    before(async () => {
      s = await startTestServer({ dialect });
    });
    after(() => s?.close());

    test('healthz, readyz over real HTTP', async () => {
      const h = await fetch(`${s.url}/healthz`);
      assert.equal(h.status, 200);
      assert.deepEqual(await h.json(), { status: 'ok' });
      const r = await fetch(`${s.url}/readyz`);
      assert.equal(r.status, 200);
    });

    test('metrics: Prometheus text with request counters and the refresh counter', async () => {
      await call(s.app, 'GET', '/healthz');
      const m = await call(s.app, 'GET', '/metrics');
      assert.equal(m.status, 200);
      assert.match(String(m.headers['content-type']), /^text\/plain; version=0\.0\.4/);
      assert.match(m.body, /^# TYPE fitsync_auth_refresh_total counter$/m);
      assert.match(m.body, /^fitsync_auth_refresh_total 0$/m);
      assert.match(m.body, /^fitsync_http_requests_total\{method="GET",route="\/healthz",status="200"\} [1-9]/m);
    });

    test('openapi.json is OpenAPI 3.1 with every auth route and the Problem schema', async () => {
      const o = await call(s.app, 'GET', '/openapi.json');
      assert.equal(o.status, 200);
      assert.equal(o.body.openapi, '3.1.0');
      for (const [path, method] of [
        ['/v1/auth/login', 'post'],
        ['/v1/auth/mfa', 'post'],
        ['/v1/auth/refresh', 'post'],
        ['/v1/auth/logout', 'post'],
        ['/v1/me', 'get'],
        ['/v1/mfa/totp', 'post'],
        ['/v1/mfa/totp/confirm', 'post'],
        ['/v1/mfa/totp', 'delete'],
        ['/v1/mfa/recovery-codes', 'post'],
        ['/healthz', 'get'],
      ]) {
        const op = o.body.paths?.[path!]?.[method!];
        assert.ok(op, `${method} ${path} documented`);
        assert.ok(op.responses, `${method} ${path} has responses`);
      }
      assert.ok(o.body.components?.schemas?.Problem, 'Problem schema is a component');
      assert.ok(o.body.paths['/v1/auth/login'].post.requestBody, 'login documents its body');
    });

    test('docs page lists the endpoints without loading anything external', async () => {
      const d = await call(s.app, 'GET', '/docs');
      assert.equal(d.status, 200);
      assert.match(String(d.headers['content-type']), /^text\/html/);
      assert.match(d.body, /\/v1\/auth\/login/);
      assert.match(d.body, /\/v1\/mfa\/recovery-codes/);
      assert.doesNotMatch(d.body, /<script|https?:\/\/(?!127)/);
    });

    test('an unexpected error is a bare 500 internal_error: no message, no stack', async () => {
      const { buildApp } = await import('../src/app.js');
      const { randomBytes } = await import('node:crypto');
      const app = await buildApp({ config: s.config, db: s.db, serverKey: randomBytes(32), log: { level: 'silent' } });
      app.get('/boom', async () => {
        throw new Error('PLANTED internal detail at /srv/secret/path');
      });
      try {
        const r = await call(app, 'GET', '/boom');
        assert.equal(r.status, 500);
        assert.equal(r.body.code, 'internal_error');
        assert.doesNotMatch(JSON.stringify(r.body), /PLANTED|secret|at /);
      } finally {
        await app.close();
      }
    });

    test('readyz answers 503 upstream_unavailable once the database is gone', async () => {
      const t = await startTestServer({ dialect });
      try {
        await t.db.close();
        const r = await call(t.app, 'GET', '/readyz');
        assert.equal(r.status, 503);
        assert.equal(r.body.code, 'upstream_unavailable');
      } finally {
        await t.close();
      }
    });
  });
}
