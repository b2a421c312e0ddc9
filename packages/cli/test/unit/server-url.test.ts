import assert from 'node:assert/strict';
import { test } from 'node:test';
import { UsageError } from '../../src/errors.js';
import { isLoopbackHost, validateServerUrl } from '../../src/server-url.js';

test('https anywhere, http only to loopback', () => {
  assert.equal(validateServerUrl('https://fitsync.example.com/'), 'https://fitsync.example.com');
  assert.equal(validateServerUrl('http://127.0.0.1:8787'), 'http://127.0.0.1:8787');
  assert.equal(validateServerUrl('http://127.9.9.9:1/api/'), 'http://127.9.9.9:1/api');
  assert.equal(validateServerUrl('http://[::1]:8787'), 'http://[::1]:8787');
  assert.equal(validateServerUrl('http://localhost:8787'), 'http://localhost:8787');
  for (const bad of ['http://example.com', 'http://128.0.0.1', 'http://10.0.0.1', 'http://localhost.evil.com', 'ftp://x', 'nope', 'https://u:p@x']) {
    assert.throws(() => validateServerUrl(bad), UsageError, bad);
  }
});

test('loopback detection', () => {
  assert.ok(isLoopbackHost('127.0.0.1'));
  assert.ok(isLoopbackHost('[::1]'));
  assert.ok(isLoopbackHost('::ffff:127.0.0.1'));
  assert.ok(!isLoopbackHost('127.0.0.1.nip.io'));
  assert.ok(!isLoopbackHost('0.0.0.0'));
});
