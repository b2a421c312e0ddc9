import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseFlags } from '../../src/args.js';
import { UsageError } from '../../src/errors.js';
import { GLOBAL_FLAGS, resolveGlobals } from '../../src/globals.js';
import { splitCommandPath } from '../../src/run-cli.js';

describe('parseFlags', () => {
  const specs = [...GLOBAL_FLAGS, { name: 'username', type: 'string' as const, description: '' }];
  test('long, inline, short and attached values', () => {
    const r = parseFlags(['--username', 'ada', '--server=https://x', '-ojson', '-v', 'pos'], specs, 'fitsync auth login');
    assert.deepEqual(r.flags, { username: 'ada', server: 'https://x', output: 'json', verbose: true });
    assert.deepEqual(r.positionals, ['pos']);
  });
  test('a negative number is an argument; a flag is no value for a string flag', () => {
    assert.deepEqual(parseFlags(['-5', '-12', '--username', '-3'], specs, 'x'), { flags: { username: '-3' }, positionals: ['-5', '-12'] });
    assert.throws(() => parseFlags(['--username', '--verbose'], specs, 'x'), /flag --username needs a value/);
    assert.deepEqual(parseFlags(['-vo', 'csv'], specs, 'x').flags, { verbose: true, output: 'csv' });
  });
  test('-- ends flags', () => {
    assert.deepEqual(parseFlags(['--', '--username'], specs, 'x').positionals, ['--username']);
  });
  test('unknown flag is a UsageError with a did-you-mean hint', () => {
    assert.throws(() => parseFlags(['--usernme', 'x'], specs, 'fitsync auth login'), (e: unknown) => {
      assert.ok(e instanceof UsageError);
      assert.match(e.message, /unknown flag --usernme for "fitsync auth login"/);
      assert.match(e.hint ?? '', /--username/);
      return true;
    });
  });
  test('missing value, value on a boolean, repeated flag', () => {
    assert.throws(() => parseFlags(['--username'], specs, 'x'), /needs a value/);
    assert.throws(() => parseFlags(['--verbose=1'], specs, 'x'), /does not take a value/);
    assert.throws(() => parseFlags(['--username', 'a', '--username', 'b'], specs, 'x'), /more than once/);
  });
});

describe('splitCommandPath', () => {
  test('global flags before the command, the rest for the command', () => {
    assert.deepEqual(splitCommandPath(['-o', 'json', 'auth', 'login', '--username', 'ada']), {
      pre: ['-o', 'json'],
      path: ['auth', 'login'],
      rest: ['--username', 'ada'],
    });
  });
  test('grouped short flags and inline values before the command', () => {
    assert.deepEqual(splitCommandPath(['-vo', 'json', '--profile=w', 'sync', 'status', 'j1', '--watch']), {
      pre: ['-vo', 'json', '--profile=w'],
      path: ['sync', 'status'],
      rest: ['j1', '--watch'],
    });
    assert.deepEqual(splitCommandPath(['sync', '--since', '2026-01-01', 'start']).rest, ['--since', '2026-01-01', 'start']);
  });
  test('help topics', () => {
    assert.deepEqual(splitCommandPath(['help', 'auth', 'login']).path, ['help', 'auth', 'login']);
  });
  test('unknown flag before any command', () => {
    assert.throws(() => splitCommandPath(['--nope', 'auth']), UsageError);
  });
});

describe('resolveGlobals', () => {
  test('defaults', () => {
    assert.deepEqual(resolveGlobals({}, {}, '/home/u'), { profile: 'default', color: true, verbose: false, configDir: '/home/u/.config/fitsync' });
  });
  test('environment', () => {
    const g = resolveGlobals({}, { FITSYNC_SERVER: 'https://e', FITSYNC_PROFILE: 'work', FITSYNC_OUTPUT: 'csv', NO_COLOR: '1', FITSYNC_DEBUG: '1', XDG_CONFIG_HOME: '/x' }, '/h');
    assert.deepEqual(g, { server: 'https://e', profile: 'work', output: 'csv', color: false, verbose: true, configDir: '/x/fitsync' });
  });
  test('flags win over environment', () => {
    const g = resolveGlobals({ output: 'json', profile: 'p', 'config-dir': '/c' }, { FITSYNC_OUTPUT: 'csv', FITSYNC_PROFILE: 'q', FITSYNC_CONFIG_DIR: '/d' }, '/h');
    assert.equal(g.output, 'json');
    assert.equal(g.profile, 'p');
    assert.equal(g.configDir, '/c');
  });
  test('invalid values', () => {
    assert.throws(() => resolveGlobals({ output: 'yaml' }, {}, '/h'), /invalid output format "yaml" from --output/);
    assert.throws(() => resolveGlobals({}, { FITSYNC_OUTPUT: 'xml' }, '/h'), /FITSYNC_OUTPUT/);
    assert.throws(() => resolveGlobals({ profile: '../etc' }, {}, '/h'), /invalid profile name/);
  });
});
