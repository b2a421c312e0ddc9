import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { type SseEvent, SseParser } from '../../src/sync/sse-parser.js';

function parseChunks(chunks: (string | Uint8Array)[]): { events: SseEvent[]; parser: SseParser } {
  const events: SseEvent[] = [];
  const parser = new SseParser((e) => events.push(e));
  for (const c of chunks) parser.push(c);
  return { events, parser };
}

/** Every way of cutting `text` into two chunks must give the same events. */
function allSplits(bytes: Buffer): Buffer[][] {
  const out: Buffer[][] = [];
  for (let i = 0; i <= bytes.length; i++) out.push([bytes.subarray(0, i), bytes.subarray(i)]);
  return out;
}

describe('SSE parser (WHATWG event stream)', () => {
  test('fields, default event name, multi-line data, comments, id and retry', () => {
    const { events, parser } = parseChunks([': keep-alive\n\nid: 7\nevent: job\ndata: {"a":1}\n\ndata: line1\ndata:line2\nretry: 1500\n\n']);
    assert.deepEqual(events, [
      { event: 'job', data: '{"a":1}', id: '7' },
      { event: 'message', data: 'line1\nline2', id: '7' },
    ]);
    assert.equal(parser.retryMs, 1500);
    assert.equal(parser.lastEventId, '7');
  });

  test('same events for every chunk boundary, with LF, CRLF and CR line ends and multi-byte UTF-8', () => {
    const base = 'id: 1\nevent: job\ndata: {"name":"Läufe — 5 km 🏃"}\n\n: c\ndata: x\n\n';
    for (const eol of ['\n', '\r\n', '\r']) {
      const bytes = Buffer.from(`\ufeff${base.replace(/\n/g, eol)}`, 'utf8');
      const expected = [
        { event: 'job', data: '{"name":"Läufe — 5 km 🏃"}', id: '1' },
        { event: 'message', data: 'x', id: '1' },
      ];
      for (const split of allSplits(bytes)) assert.deepEqual(parseChunks(split).events, expected, `eol ${JSON.stringify(eol)} split at ${split[0]?.length}`);
      // And byte by byte.
      assert.deepEqual(parseChunks([...bytes].map((b) => Uint8Array.of(b))).events, expected);
    }
  });

  test('CRLF split between chunks is one line break, not an empty line', () => {
    const { events } = parseChunks(['data: a\r', '\ndata: b\r\n', '\r\n']);
    assert.deepEqual(events, [{ event: 'message', data: 'a\nb', id: undefined }]);
  });

  test('an event without data is not dispatched; an unfinished event at the end is not either', () => {
    const { events } = parseChunks(['event: ping\n\n', 'data: partial']);
    assert.deepEqual(events, []);
  });

  test('the last event id carries into a new parser (reconnect)', () => {
    const events: SseEvent[] = [];
    const p = new SseParser((e) => events.push(e), '41');
    p.push('data: y\n\n');
    assert.equal(events[0]?.id, '41');
    p.push('id: 42\ndata: z\n\n');
    assert.equal(p.lastEventId, '42');
  });
});

describe('SSE parser: per-event size cap', () => {
  test('a line that never ends, or data lines adding up past the cap, throw; smaller events pass', async () => {
    const { SseEventTooLargeError } = await import('../../src/sync/sse-parser.js');
    const events: SseEvent[] = [];
    const p = new SseParser((e) => events.push(e), undefined, { maxEventBytes: 100 });
    p.push(`data: ${'a'.repeat(80)}\n\n`);
    assert.equal(events.length, 1);
    assert.throws(() => p.push(`data: ${'b'.repeat(120)}`), SseEventTooLargeError);
    const q = new SseParser((e) => events.push(e), undefined, { maxEventBytes: 100 });
    assert.throws(() => {
      for (let i = 0; i < 10; i++) q.push(`data: ${'c'.repeat(20)}\n`);
    }, SseEventTooLargeError);
  });
});
