import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { http } from './helpers.js';

const root = process.env.FITSYNC_REPO_ROOT ?? fileURLToPath(new URL('../../..', import.meta.url));

function firstLine(stream: NodeJS.ReadableStream, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let buf = '';
    const timer = setTimeout(() => reject(new Error('no output in time')), timeoutMs);
    stream.on('data', (c: Buffer) => {
      buf += c.toString('utf8');
      const nl = buf.indexOf('\n');
      if (nl >= 0) {
        clearTimeout(timer);
        resolve(buf.slice(0, nl));
      }
    });
  });
}

test('bin: prints the base URL first, serves, exits 0 on SIGTERM', async () => {
  const child = spawn(process.execPath, ['packages/garmin-sim/bin/garmin-sim.js', '--port', '0', '--seed', 'bin'], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  try {
    const url = await firstLine(child.stdout, 10000);
    assert.match(url, /^http:\/\/127\.0\.0\.1:\d+$/);
    const created = await http(`${url}/__sim/users`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'bin@example.com', password: 'pw', activities: 2 }),
    });
    assert.equal(created.status, 201);
    const warm = await http(`${url}/mobile/sso/en/sign-in?clientId=GCM_ANDROID_DARK`);
    assert.equal(warm.status, 200);
    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    const [code] = await exited;
    assert.equal(code, 0);
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
  }
});

test('bin: a bad flag exits 2 with a message', async () => {
  const child = spawn(process.execPath, ['packages/garmin-sim/bin/garmin-sim.js', '--port', 'abc'], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  child.stderr.on('data', (c: Buffer) => {
    err += c.toString();
  });
  const [code] = await once(child, 'exit');
  assert.equal(code, 2);
  assert.match(err, /--port must be an integer/);
});

test('bin: --help describes the flags and the control surface, with examples, exit 0', async () => {
  const child = spawn(process.execPath, ['packages/garmin-sim/bin/garmin-sim.js', '--help'], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (c: Buffer) => {
    out += c.toString();
  });
  const [code] = await once(child, 'exit');
  assert.equal(code, 0);
  assert.match(out, /^usage: garmin-sim \[--host H\] \[--port N\] \[--seed S\]$/m);
  for (const flag of ['--host H', '--port N', '--seed S']) assert.match(out, new RegExp(`^ {2}${flag} `, 'm'));
  assert.match(out, /PUT \/__sim\/faults/);
  assert.match(out, /^Examples:\n {2}garmin-sim /m);
});
