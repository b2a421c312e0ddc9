import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { fullDay, series } from '../helpers/health-data.js';
import { PtySession } from '../helpers/pty.js';
import { bundlesReady } from '../helpers/real-server.js';
import { screenLines } from '../helpers/screen.js';
import { stubFixture } from '../helpers/stub-fixture.js';

const DAY_SERIES = ['heart_rate', 'stress', 'body_battery', 'sleep_stages'] as const;

// The built CLI in a real pseudo-terminal of a given width, against a stub server: the charts
// must fit the terminal (a line as wide as it is fine, a wider one would wrap).
describe('health charts in a pseudo-terminal', () => {
  const fixture = stubFixture();
  const ptys: PtySession[] = [];
  after(() => {
    for (const p of ptys) p.kill();
  });
  const days = Array.from({ length: 90 }, (_, i) => fullDay(new Date(Date.UTC(2026, 0, 1 + i)).toISOString().slice(0, 10), i));

  async function run(args: string[], cols: number, env: NodeJS.ProcessEnv = {}) {
    await bundlesReady();
    const { dir, stub } = await fixture.setupRaw({ signedIn: true });
    if (args[1] === 'show') {
      stub.json('GET', '/v1/health/daily', 200, { days });
      for (const m of DAY_SERIES) stub.json('GET', `/v1/health/series/${m}?date=2026-03-31`, 200, series(m, '2026-03-31'));
    } else stub.json('GET', '/v1/health/daily?since=2026-01-01', 200, { days });
    const p = new PtySession(args, { HOME: dir, FITSYNC_CONFIG_DIR: dir, TZ: 'UTC', ...env }, { cols, rows: 50, linger: true });
    ptys.push(p);
    const code = await p.exitCode();
    stub.verify();
    return { code, output: p.output, lines: screenLines(p.output) };
  }

  for (const cols of [80, 120]) {
    test(`health show at ${cols} columns: numbers, three charts and the sleep strip, no line wider than the terminal`, async () => {
      const r = await run(['health', 'show'], cols);
      assert.equal(r.code, 0, r.output);
      assert.ok(r.lines.includes('Heart rate (bpm)') && r.lines.includes('Body battery (0-100)'), r.output);
      assert.ok(r.lines.some((l) => l.startsWith('█ deep')), r.output);
      assert.match(r.output, /\u001b\[31m/, 'coloured');
      const widths = r.lines.map((l) => Array.from(l).length);
      assert.ok(Math.max(...widths) <= cols, `widest line ${Math.max(...widths)} > ${cols}`);
      assert.equal(Math.max(...widths), cols, 'the charts use the width');
    });

    test(`health trend at ${cols} columns: a chart as wide as the terminal`, async () => {
      const r = await run(['health', 'trend', 'resting_hr', '--since', '2026-01-01'], cols);
      assert.equal(r.code, 0, r.output);
      assert.match(r.lines[0] as string, /^resting_hr, 2026-01-01 to 2026-03-31: 90 days/);
      assert.match(r.lines[1] as string, /^56 ┤/);
      const widths = r.lines.map((l) => Array.from(l).length);
      assert.equal(Math.max(...widths), cols);
    });
  }

  test('--ascii: pure ASCII, no colour; NO_COLOR: Unicode without colour', async () => {
    for (const args of [
      ['health', 'show', '--ascii'],
      ['health', 'trend', 'resting_hr', '--since', '2026-01-01', '--ascii'],
    ]) {
      const r = await run(args, 80);
      assert.equal(r.code, 0, r.output);
      assert.match(r.output, /^[\x20-\x7e\r\n]*$/, `${args.join(' ')}:\n${r.output}`);
      assert.match(r.output, /\|[ .+#]*#/, 'bars drawn');
      assert.ok(r.lines.every((l) => l.length <= 80));
    }
    const n = await run(['health', 'show'], 80, { NO_COLOR: '1' });
    assert.equal(n.code, 0, n.output);
    assert.ok(!n.output.includes('\u001b'), 'no escape code');
    assert.match(n.output, /█/);
  });
});
