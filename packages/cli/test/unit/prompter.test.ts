import assert from 'node:assert/strict';
import { PassThrough, Writable } from 'node:stream';
import { test } from 'node:test';
import { IOStreams } from '../../src/iostreams.js';
import { TerminalPrompter } from '../../src/prompter.js';

// Whatever a person types once the question is on screen must not be echoed: the terminal's echo
// goes off (raw mode) before the question is written, never after.
test('a hidden prompt turns echo off before it shows the question', async () => {
  const events: string[] = [];
  const input = Object.assign(new PassThrough(), {
    isTTY: true,
    setRawMode(on: boolean) {
      events.push(`raw ${on}`);
      return this;
    },
  });
  const err = new Writable({
    write(chunk, _enc, cb) {
      events.push(`write ${JSON.stringify(String(chunk))}`);
      cb();
    },
  });
  const io = new IOStreams({ in: input as never, out: new PassThrough() as never, err: err as never, stdinTTY: true, stderrTTY: true });
  const answer = new TerminalPrompter(io).password('Password: ');
  input.write('s3cret\r');
  assert.equal((await answer).reveal(), 's3cret');
  assert.deepEqual(events.slice(0, 2), ['raw true', 'write "Password: "']);
  assert.ok(events.includes('raw false'), 'echo comes back after the answer');
});
