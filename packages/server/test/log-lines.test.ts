import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, test } from 'node:test';
import { LogLines } from '../src/log-lines.js';

/** A target that records each write it is handed. */
function recorder() {
  const writes: string[] = [];
  return { writes, target: { write: (s: string) => writes.push(s) } };
}

const turn = () => new Promise<void>((r) => setImmediate(r));

describe('LogLines (the server log under fitsync-server start)', () => {
  test('the lines of one event-loop turn reach the target as one write, in order, at the end of the turn', async () => {
    const { writes, target } = recorder();
    const log = new LogLines(target);
    try {
      log.write('{"n":1}\n');
      log.write('{"n":2}\n');
      await Promise.resolve();
      log.write('{"n":3}\n');
      assert.deepEqual(writes, [], 'nothing is written while the turn runs');
      await turn();
      assert.deepEqual(writes, ['{"n":1}\n{"n":2}\n{"n":3}\n']);
      log.write('{"n":4}\n');
      await turn();
      assert.deepEqual(writes, ['{"n":1}\n{"n":2}\n{"n":3}\n', '{"n":4}\n'], 'the next turn gets its own write');
    } finally {
      log.close();
    }
  });

  test('a turn that logs a lot writes whenever its lines reach the limit, and close writes the rest', () => {
    const { writes, target } = recorder();
    const log = new LogLines(target, 10);
    log.write('aaaa\n');
    log.write('bbbb\n');
    assert.deepEqual(writes, ['aaaa\nbbbb\n']);
    log.write('cc\n');
    let flushed = false;
    log.flush(() => {
      flushed = true;
    });
    assert.ok(flushed, "pino's flush callback is called");
    log.write('dd\n');
    log.close();
    assert.deepEqual(writes, ['aaaa\nbbbb\n', 'cc\n', 'dd\n']);
    log.write('after close\n');
    assert.deepEqual(writes.at(-1), 'after close\n', 'after close, lines go straight through');
  });

  // The lines a process logged just before it ended must not be lost with it.
  for (const [how, code, expectStatus] of [
    ['process.exit', 'process.exit(3)', 3],
    ['an uncaught exception', "throw new Error('boom')", 1],
    ['the end of the event loop', '', 0],
  ] as const) {
    test(`pending lines are written when the process ends by ${how}`, () => {
      const module = fileURLToPath(new URL('../src/log-lines.ts', import.meta.url));
      const script = `
        const { LogLines } = await import(${JSON.stringify(module)});
        const log = new LogLines(process.stderr);
        log.write('{"msg":"last words"}\\n');
        log.write('{"msg":"really last"}\\n');
        ${code}
      `;
      const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8' });
      assert.equal(r.status, expectStatus, r.stderr);
      const at = r.stderr.indexOf('{"msg":"last words"}\n{"msg":"really last"}\n');
      assert.ok(at >= 0, r.stderr);
      if (code.startsWith('throw')) assert.ok(at < r.stderr.indexOf('boom'), 'the lines come before the stack trace');
    });
  }
});
