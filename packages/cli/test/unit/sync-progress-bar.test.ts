import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { describe, test } from 'node:test';
import type { SyncJob } from '@fitsync/api';
import { ProgressBar } from '../../src/progress/progress-bar.js';
import { asSyncJob } from '../../src/client/answers.js';
import { DrivenRuntime } from '../helpers/driven-runtime.js';
import { job } from '../helpers/sync-stub-server.js';

function sink(): { stream: PassThrough; text: () => string } {
  const stream = new PassThrough();
  let text = '';
  stream.on('data', (c: Buffer) => {
    text += c.toString();
  });
  return { stream, text: () => text };
}
const running = (processed: number, total: number | null = 300): SyncJob =>
  asSyncJob(job({ status: 'running', processed_items: processed, total_items: total, progress: total ? Math.floor((processed / total) * 100) : 0 }));

describe('progress bar', () => {
  test('counts, rate and ETA from the injected runtime; redrawn in place', async () => {
    const runtime = new DrivenRuntime();
    const s = sink();
    const bar = new ProgressBar(s.stream, runtime, { color: false, columns: 120 });
    bar.update(running(0));
    await runtime.advance(2_000);
    bar.update(running(20));
    await runtime.advance(2_000);
    bar.update(running(40));
    // 40 items in 4 s = 10 items/s; 260 left → 26 s.
    const last = s.text().split('\r\u001b[2K').pop() ?? '';
    assert.match(last, /running +\[?[█░]{24}\]? +13%/);
    assert.match(last, /40\/300 items/);
    assert.match(last, /10 items\/s/);
    assert.match(last, /ETA 0:26/);
    assert.equal(s.text().split('\r\u001b[2K').length, 4, 'three in-place redraws');
    assert.ok(!s.text().includes('\n'), 'no newline while running');
    bar.done(asSyncJob(job({ status: 'completed', processed_items: 300, total_items: 300, progress: 100 })));
    assert.ok(s.text().endsWith('\n'));
    assert.match(s.text(), /completed +█{24} 100% {2}300\/300 items/);
  });

  test('an unknown total shows items without ETA; the line never exceeds the terminal width', async () => {
    const runtime = new DrivenRuntime();
    const s = sink();
    const bar = new ProgressBar(s.stream, runtime, { color: true, columns: 40 });
    bar.update(running(5, null));
    await runtime.advance(1_000);
    bar.update(running(15, null));
    const visible = (s.text().split('\r\u001b[2K').pop() ?? '').replace(/\u001b\[\d+m/g, '');
    assert.ok(visible.length <= 39, visible);
    assert.ok(!visible.includes('ETA'));
  });
});
