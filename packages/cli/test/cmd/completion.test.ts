import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { GROUPS, type GroupEntry } from '../../src/commands.js';
import { bashScript } from '../../src/completion/bash-script.js';
import { completionSpec } from '../../src/completion/completion-spec.js';
import { rememberJobs } from '../../src/sync/recent-jobs.js';
import { CLI_BIN } from '../helpers/real-server.js';
import { removeDir, runMain, tempConfigDir } from '../helpers/run-main.js';
import { stubFixture } from '../helpers/stub-fixture.js';
import { job } from '../helpers/sync-stub-server.js';

/** The path of a shell, or undefined when this machine has none (tests of it are skipped, saying so). */
function which(shell: string): string | undefined {
  const r = spawnSync('sh', ['-c', `command -v ${shell}`], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : undefined;
}

/**
 * What bash's completion offers for `words` (the last one is being completed): the script is
 * loaded in a bash subprocess, COMP_WORDS/COMP_CWORD set as readline would, `_fitsync` run and
 * COMPREPLY printed. `binDir` holds a `fitsync` for the job-id lookup.
 */
function complete(script: string, words: string[], env: NodeJS.ProcessEnv = {}): string[] {
  // biome-ignore lint/suspicious/noTemplateCurlyInString: bash's own ${…} expansion, not a JS template.
  const driver = 'source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _fitsync; printf "%s\\n" "${COMPREPLY[@]}"';
  const r = spawnSync('bash', ['--norc', '--noprofile', '-c', driver, 'complete', script, ...words], { encoding: 'utf8', env: { PATH: process.env.PATH, ...env } });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stderr, '', 'the script says nothing on stderr');
  return r.stdout.split('\n').filter((l) => l !== '');
}

describe('fitsync completion', () => {
  const fixture = stubFixture();
  function dir(): string {
    const d = tempConfigDir();
    fixture.defer(() => removeDir(d));
    return d;
  }
  async function script(shell: string, d: string): Promise<string> {
    const r = await runMain(['completion', shell], { configDir: d });
    assert.equal(r.code, 0, r.err);
    assert.equal(r.err, '');
    const file = join(d, `fitsync.${shell}`);
    writeFileSync(file, r.out);
    return file;
  }

  test('bash: the script is valid bash and completes commands, flags and their fixed values', async () => {
    const d = dir();
    const file = await script('bash', d);
    assert.equal(spawnSync('bash', ['-n', file]).status, 0, 'bash -n');
    assert.deepEqual(complete(file, ['fitsync', '']), ['auth', 'mfa', 'garmin', 'sync', 'import', 'activities', 'health', 'completion', 'help']);
    assert.deepEqual(complete(file, ['fitsync', 'sy']), ['sync']);
    assert.deepEqual(complete(file, ['fitsync', 'import', '']), ['garmin-export']);
    assert.deepEqual(complete(file, ['fitsync', 'import', 'garmin-export', '--w']), ['--wait']);
    assert.deepEqual(complete(file, ['fitsync', 'auth', 'login', '--w']), ['--web']);
    assert.deepEqual(complete(file, ['fitsync', 'auth', 'login', '--web', '--no-b']), ['--no-browser']);
    assert.deepEqual(complete(file, ['fitsync', 'sync', '']), ['start', 'status', 'list', 'cancel', 'schedule']);
    // A fixed set of words as the argument, and a flag's fixed values.
    assert.deepEqual(complete(file, ['fitsync', 'sync', 'schedule', '']), ['set', 'show', 'off']);
    assert.deepEqual(complete(file, ['fitsync', 'sync', 'schedule', 'set', '--type', 'h']), ['health']);
    assert.deepEqual(complete(file, ['fitsync', 'completion', '']), ['bash', 'zsh', 'fish']);
    assert.deepEqual(complete(file, ['fitsync', 'help', 'ga']), ['garmin']);
    // A command's flags, then the global ones.
    assert.deepEqual(complete(file, ['fitsync', 'sync', 'start', '--']).slice(0, 6), ['--type', '--since', '--until', '--full', '--wait', '--idempotency-key']);
    assert.ok(complete(file, ['fitsync', 'sync', 'start', '--']).includes('--output'));
    assert.deepEqual(complete(file, ['fitsync', 'sync', 'status', '-']).slice(0, 3), ['--watch', '-w', '--server']);
    assert.ok(complete(file, ['fitsync', 'sync', 'status', '--w']).includes('--watch'));
    // Values: --type, --status, --format/-F, -o; "--flag=value" (bash splits it at "=").
    assert.deepEqual(complete(file, ['fitsync', 'sync', 'start', '--type', '']), ['all', 'activities', 'health', 'workouts']);
    assert.deepEqual(complete(file, ['fitsync', 'sync', 'start', '--type', '=', 'a']), ['all', 'activities']);
    assert.deepEqual(complete(file, ['fitsync', 'sync', 'list', '--status', 'c']), ['completed', 'cancelled']);
    assert.deepEqual(complete(file, ['fitsync', 'activities', 'export', '-F', '']), ['gpx', 'tcx', 'csv', 'fit']);
    assert.deepEqual(complete(file, ['fitsync', 'activities', 'export', '--format', 't']), ['tcx']);
    assert.deepEqual(complete(file, ['fitsync', '-o', '']), ['table', 'json', 'csv']);
    assert.deepEqual(complete(file, ['fitsync', 'health', 'days', '--output', 'j']), ['json']);
    // Global flags with values before the command are skipped, with their values.
    assert.deepEqual(complete(file, ['fitsync', '--profile', 'work', '-o', 'json', 'sync', 'st']), ['start', 'status']);
    // A free value (a date) offers nothing: bash falls back to file names (-o default).
    assert.deepEqual(complete(file, ['fitsync', 'sync', 'start', '--since', '']), []);
  });

  test('bash: job ids of recent jobs for sync status|cancel, from the cache, with no network call', async () => {
    const d = dir();
    const file = await script('bash', d);
    // The cache as `sync list` leaves it (through the command, against a stub).
    const { dir: cfg, stub } = await fixture.setupRaw({ signedIn: true });
    const jobs = [job({ job_id: 'job-b', created_at: '2026-06-02T10:00:00.000Z' }), job({ job_id: 'job-a', status: 'completed', created_at: '2026-06-01T10:00:00.000Z' })];
    stub.json('GET', '/v1/sync/jobs?limit=20', 200, { jobs, next_cursor: null });
    const list = await runMain(['sync', 'list'], { configDir: cfg });
    assert.equal(list.code, 0, list.err);
    stub.verify();
    // `fitsync` on PATH is the built CLI; FITSYNC_SERVER points nowhere, so a network call would fail.
    const bin = join(d, 'bin');
    mkdirSync(bin);
    writeFileSync(join(bin, 'fitsync'), `#!/bin/sh\nexec "${process.execPath}" "${CLI_BIN}" "$@"\n`);
    chmodSync(join(bin, 'fitsync'), 0o755);
    const env = { PATH: `${bin}:${process.env.PATH}`, FITSYNC_CONFIG_DIR: cfg, FITSYNC_SERVER: 'http://127.0.0.1:9' };
    assert.deepEqual(complete(file, ['fitsync', 'sync', 'status', ''], env), ['job-b', 'job-a']);
    assert.deepEqual(complete(file, ['fitsync', 'sync', 'cancel', 'job-a'], env), ['job-a']);
    assert.deepEqual(complete(file, ['fitsync', 'sync', 'cancel', '--server', 'http://x', 'job-'], env), ['job-b', 'job-a']);
    assert.deepEqual(complete(file, ['fitsync', 'sync', 'status', 'job-b', ''], env), [], 'one JOB_ID only');
    assert.deepEqual(complete(file, ['fitsync', 'sync', 'list', ''], env), [], 'no ids where no JOB_ID goes');
    const plain = spawnSync(join(bin, 'fitsync'), ['__complete', 'jobs'], { encoding: 'utf8', env });
    assert.equal(plain.status, 0, plain.stderr);
    assert.equal(plain.stdout, 'job-b\tpending all 2026-06-02T10:00:00.000Z\njob-a\tcompleted all 2026-06-01T10:00:00.000Z\n');
  });

  for (const shell of ['zsh', 'fish']) {
    const path = which(shell);
    // Shells are not installed for the tests; where one exists, its own parser checks the script.
    test(`${shell}: the script is valid ${shell} (${shell} -n)`, { skip: path ? false : `${shell} is not installed on this machine` }, async () => {
      const file = await script(shell, dir());
      const r = spawnSync(path as string, ['-n', file], { encoding: 'utf8' });
      assert.equal(r.status, 0, `${shell} -n: ${r.stderr}`);
    });
  }

  test('zsh: an autoloadable #compdef file that also works when sourced, with the same data functions as bash', async () => {
    const d = dir();
    const text = readFileSync(await script('zsh', d), 'utf8');
    assert.match(text, /^#compdef fitsync\n/);
    assert.match(text, /'sync start --type'\) echo 'all activities health workouts' ;;/);
    assert.match(text, /'sync status'\|'sync cancel'\) command fitsync __complete jobs/);
    assert.match(text, /compdef _fitsync fitsync\nfi\n$/);
  });

  test('fish: every group, command and flag has its line; values and job ids where they belong', async () => {
    const d = dir();
    const text = readFileSync(await script('fish', d), 'utf8');
    assert.match(text, /complete -c fitsync -n '__fitsync_at' -a sync -d 'Start, follow and cancel syncs/);
    assert.match(text, /complete -c fitsync -n '__fitsync_in sync start' -l type -x -a 'all activities health workouts'/);
    assert.match(text, /complete -c fitsync -n '__fitsync_at sync cancel' -a '\(command fitsync __complete jobs 2>\/dev\/null\)'/);
    assert.match(text, /-l server -r -F -d 'API base URL \(default: the profile\\'s/, "a ' in a description is escaped");
  });

  test('a command added to the table is completed without touching the scripts', async () => {
    const extra: GroupEntry = {
      name: 'sync',
      summary: 'Sync',
      examples: [],
      commands: [
        {
          name: 'schedule-set',
          summary: 'Set a schedule',
          load: async () => ({
            definition: {
              group: 'sync',
              name: 'schedule-set',
              summary: 'Set a schedule',
              usage: 'fitsync sync schedule-set',
              flags: [{ name: 'every', type: 'string', value: 'DURATION', description: 'how often' }, { name: 'type', type: 'string', value: 'TYPE', description: 'what', values: ['all', 'health'] }],
              examples: [],
            },
            parse: () => ({}),
            run: async () => 0,
          }),
        },
      ],
    };
    const d = dir();
    const file = join(d, 'extra.bash');
    writeFileSync(file, bashScript(await completionSpec([extra])));
    assert.deepEqual(complete(file, ['fitsync', 'sync', 'sch']), ['schedule-set']);
    assert.deepEqual(complete(file, ['fitsync', 'sync', 'schedule-set', '--e']), ['--every']);
    assert.deepEqual(complete(file, ['fitsync', 'sync', 'schedule-set', '--every', '15m', '--type', '']), ['all', 'health']);
  });

  test('the table is checked: a flag taking a value in one command and none in another is refused', async () => {
    const group = (flagType: 'string' | 'boolean', name: string): GroupEntry['commands'][number] => ({
      name,
      summary: name,
      load: async () => ({
        definition: { group: 'g', name, summary: name, usage: name, flags: [{ name: 'x', type: flagType, description: 'x' }], examples: [] },
        parse: () => ({}),
        run: async () => 0,
      }),
    });
    await assert.rejects(completionSpec([{ name: 'g', summary: 'g', examples: [], commands: [group('string', 'a'), group('boolean', 'b')] }]), /flag --x takes a value in one command and none in another/);
    // The real table passes.
    assert.ok((await completionSpec(GROUPS)).groups.length > 0);
  });

  test('an unknown shell is a usage error (exit 2); help lists the shells and how to install; __complete is hidden', async () => {
    const d = dir();
    const bad = await runMain(['completion', 'tcsh'], { configDir: d });
    assert.equal(bad.code, 2);
    assert.match(bad.err, /unknown command "tcsh" for "fitsync completion"/);
    assert.equal(bad.out, '');
    const g = await runMain(['completion'], { configDir: d });
    assert.match(g.out, /bash:.*\n.*zsh:.*\n.*fish:/);
    assert.match(g.out, /source <\(fitsync completion bash\)/);
    const z = await runMain(['completion', 'zsh', '--help'], { configDir: d });
    assert.match(z.out, /~\/\.zfunc/);
    const f = await runMain(['completion', 'fish', '--help'], { configDir: d });
    assert.match(f.out, /~\/\.config\/fish\/completions\/fitsync\.fish/);
    const root = await runMain(['--help'], { configDir: d });
    assert.match(root.out, /completion:/);
    assert.doesNotMatch(root.out, /__complete/);
  });
});

describe('the recent jobs cache', () => {
  const fixture = stubFixture();
  const deps = (configDir: string) => ({ globals: { configDir, profile: 'default', color: false, verbose: false }, debug: () => undefined });

  test('newest first, at most 20, merged by id; hostile or broken entries never reach the shell', async () => {
    const d = tempConfigDir();
    fixture.defer(() => removeDir(d));
    const at = (i: number) => new Date(Date.UTC(2026, 0, 1, 0, i)).toISOString();
    rememberJobs(deps(d), Array.from({ length: 25 }, (_, i) => job({ job_id: `j${i}`, created_at: at(i) })) as never);
    rememberJobs(deps(d), [job({ job_id: 'j24', status: 'completed', created_at: at(24) })] as never);
    const r = await runMain(['__complete', 'jobs'], { configDir: d });
    const lines = r.out.trim().split('\n');
    assert.equal(lines.length, 20);
    assert.equal(lines[0], `j24\tcompleted all ${at(24)}`, 'the newer snapshot of a job replaces the older');
    assert.equal(lines[19]?.split('\t')[0], 'j5');
    // The same snapshot again (a repeated `sync status`): the file is left as it is (a write renames a new one in).
    const file = join(d, 'recent-jobs.default.json');
    const inode = statSync(file).ino;
    rememberJobs(deps(d), [job({ job_id: 'j24', status: 'completed', created_at: at(24) })] as never);
    assert.equal(statSync(file).ino, inode);
    rememberJobs(deps(d), [job({ job_id: 'j24', status: 'failed', created_at: at(24) })] as never);
    assert.notEqual(statSync(file).ino, inode, 'a changed status is written');
    // A cache edited by hand (or by an attacker with write access to it): only job-id-shaped ids pass.
    writeFileSync(join(d, 'recent-jobs.default.json'), JSON.stringify([{ job_id: '$(touch /tmp/x)', status: 'running', sync_type: 'all', created_at: at(1) }, { job_id: 'ok-1', status: 'running', sync_type: 'all', created_at: at(1) }, 7]));
    assert.equal((await runMain(['__complete', 'jobs'], { configDir: d })).out, `ok-1\trunning all ${at(1)}\n`);
    writeFileSync(join(d, 'recent-jobs.default.json'), '{not json');
    const broken = await runMain(['__complete', 'jobs'], { configDir: d });
    assert.equal(broken.code, 0);
    assert.equal(broken.out, '');
    // Per profile.
    assert.equal((await runMain(['__complete', 'jobs', '--profile', 'work'], { configDir: d })).out, '');
  });
});
