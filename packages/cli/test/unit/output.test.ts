import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { test } from 'node:test';
import { csvField, printRecord, printRows } from '../../src/output.js';

function capture(fn: (out: PassThrough) => void): string {
  const out = new PassThrough();
  let s = '';
  out.on('data', (c: Buffer) => {
    s += c.toString();
  });
  fn(out);
  out.read();
  return s;
}

test('csv quoting per RFC 4180', () => {
  assert.equal(csvField('plain'), 'plain');
  assert.equal(csvField('a,b'), '"a,b"');
  assert.equal(csvField('say "hi"'), '"say ""hi"""');
  // Control characters (line breaks included) are removed before quoting: CSV is read on
  // terminals too, and a server string must not carry control codes there (finding 10).
  assert.equal(csvField('two\nlines'), 'two lines');
  assert.equal(csvField('a\u001b]0;t\u0007,b'), '"a,b"');
  assert.equal(csvField(undefined), '');
});

test('record as table, json and csv', () => {
  const rec = { user: 'ada', mfa: true, note: 'x,y' };
  assert.equal(capture((o) => printRecord(o, 'table', rec, { user: 'User' })), 'User: ada\nmfa:  yes\nnote: x,y\n');
  assert.deepEqual(JSON.parse(capture((o) => printRecord(o, 'json', rec))), rec);
  assert.equal(capture((o) => printRecord(o, 'csv', rec)), 'user,mfa,note\nada,true,"x,y"\n');
});

test('rows as aligned table', () => {
  const s = capture((o) =>
    printRows(o, 'table', [{ id: '1', name: 'Morning run' }, { id: '22', name: null }], [
      { key: 'id', header: 'id' },
      { key: 'name', header: 'name' },
    ], 'rows'),
  );
  assert.equal(s, 'ID  NAME\n1   Morning run\n22  -\n');
});
