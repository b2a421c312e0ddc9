import assert from 'node:assert/strict';
import { PassThrough, Writable } from 'node:stream';
import { test } from 'node:test';
import { promptHidden } from '../src/cli/io.js';

// Whatever is typed once the question is on screen must not be echoed: raw mode (echo off) comes
// before the question is written. (Written after it, a fast typist's first characters showed.)
test('promptHidden turns echo off before it shows the question', async () => {
  const events: string[] = [];
  const stdin = Object.assign(new PassThrough(), {
    isTTY: true,
    setRawMode(on: boolean) {
      events.push(`raw ${on}`);
      return this;
    },
  });
  const stderr = new Writable({
    write(chunk, _enc, cb) {
      events.push(`write ${JSON.stringify(String(chunk))}`);
      cb();
    },
  });
  const io = { stdin, stdout: new PassThrough(), stderr, env: {}, stopSignal: () => new Promise<string>(() => {}) };
  const answer = promptHidden(io, 'Password for ada: ');
  stdin.write('pass phrase\r');
  assert.equal(await answer, 'pass phrase');
  assert.deepEqual(events.slice(0, 2), ['raw true', 'write "Password for ada: "']);
  assert.ok(events.includes('raw false'), 'echo comes back after the answer');
});
