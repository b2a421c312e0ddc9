import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { SyncAborted } from '../src/sync/abortable.js';
import { UpstreamLimiter } from '../src/sync/upstream-limiter.js';

describe('upstream limiter', () => {
  test('never more than `concurrency` calls in flight', async () => {
    const limiter = new UpstreamLimiter({ concurrency: 3, rps: 0, signal: new AbortController().signal });
    let inFlight = 0;
    let peak = 0;
    await Promise.all(
      Array.from({ length: 20 }, () =>
        limiter.run(async () => {
          inFlight++;
          peak = Math.max(peak, inFlight);
          await new Promise((r) => setTimeout(r, 5));
          inFlight--;
        }),
      ),
    );
    assert.equal(peak, 3);
    assert.equal(limiter.calls, 20);
  });

  test('call starts are spaced 1/rps apart', async () => {
    const limiter = new UpstreamLimiter({ concurrency: 10, rps: 50, signal: new AbortController().signal });
    const starts: number[] = [];
    await Promise.all(Array.from({ length: 6 }, () => limiter.run(async () => void starts.push(performance.now()))));
    starts.sort((a, b) => a - b);
    for (let i = 1; i < starts.length; i++) assert.ok(starts[i]! - starts[i - 1]! >= 15, `gap ${starts[i]! - starts[i - 1]!} ms`);
  });

  test('a stop rejects waiting and in-flight calls at once', async () => {
    const ac = new AbortController();
    const limiter = new UpstreamLimiter({ concurrency: 1, rps: 0, signal: ac.signal });
    const never = () => new Promise<void>(() => {});
    const a = limiter.run(never);
    const b = limiter.run(never);
    ac.abort('cancel');
    await assert.rejects(a, (e: unknown) => e instanceof SyncAborted && e.reason === 'cancel');
    await assert.rejects(b, (e: unknown) => e instanceof SyncAborted && e.reason === 'cancel');
  });
});
