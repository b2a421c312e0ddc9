import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ConfigError, loadConfig } from '../src/config.js';
import { MAIN_HELP } from '../src/cli/help.js';

const load = (env: Record<string, string>) => loadConfig({}, { HOME: '/tmp/fitsync-config-test', ...env });

describe('config: public URL and device login', () => {
  test('defaults: no public URL (each request its own origin), codes live 10 minutes, polls every 5 s', () => {
    const c = load({});
    assert.equal(c.publicUrl, undefined);
    assert.deepEqual(c.device, { codeTtlS: 600, pollIntervalS: 5 });
  });

  test('explicit values; the public URL loses its trailing slash and keeps a path', () => {
    const c = load({ FITSYNC_PUBLIC_URL: 'https://fit.example.com/', FITSYNC_DEVICE_CODE_TTL: '15m', FITSYNC_DEVICE_POLL_INTERVAL: '2s' });
    assert.equal(c.publicUrl, 'https://fit.example.com');
    assert.deepEqual(c.device, { codeTtlS: 900, pollIntervalS: 2 });
    assert.equal(load({ FITSYNC_PUBLIC_URL: 'http://10.0.0.5:8787/fitsync//' }).publicUrl, 'http://10.0.0.5:8787/fitsync');
  });

  test('bad values name the variable', () => {
    const bad: [string, string][] = [
      ['FITSYNC_PUBLIC_URL', 'fit.example.com'],
      ['FITSYNC_PUBLIC_URL', '/relative'],
      ['FITSYNC_PUBLIC_URL', 'ftp://fit.example.com'],
      ['FITSYNC_PUBLIC_URL', 'https://fit.example.com/?a=1'],
      ['FITSYNC_PUBLIC_URL', 'https://fit.example.com/#top'],
      ['FITSYNC_PUBLIC_URL', 'https://user:pw@fit.example.com'],
      ['FITSYNC_DEVICE_CODE_TTL', '10'],
      ['FITSYNC_DEVICE_CODE_TTL', '0s'],
      ['FITSYNC_DEVICE_POLL_INTERVAL', 'fast'],
      ['FITSYNC_DEVICE_POLL_INTERVAL', '-5s'],
    ];
    for (const [name, value] of bad) {
      assert.throws(
        () => load({ [name]: value }),
        (err: unknown) => err instanceof ConfigError && err.message.includes(name) && !err.message.includes('pw@'),
        `${name}=${value}`,
      );
    }
  });

  test('fitsync-server --help names the settings', () => {
    for (const name of ['FITSYNC_PUBLIC_URL', 'FITSYNC_DEVICE_CODE_TTL', 'FITSYNC_DEVICE_POLL_INTERVAL']) assert.ok(MAIN_HELP.includes(name), name);
  });
});
