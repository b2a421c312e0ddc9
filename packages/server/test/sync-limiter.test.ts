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

  test('call starts keep to 1/rps on average', async () => {
    const limiter = new UpstreamLimiter({ concurrency: 10, rps: 50, signal: new AbortController().signal });
    const starts: number[] = [];
    await Promise.all(Array.from({ length: 6 }, () => limiter.run(async () => void starts.push(performance.now()))));
    starts.sort((a, b) => a - b);
    // Starts are scheduled 20 ms apart; a timer that fires late may bunch two starts together,
    // but the schedule never lets the average rate exceed rps: 6 starts span at least 5 gaps.
    const span = starts.at(-1)! - starts[0]!;
    assert.ok(span >= 95, `6 calls started within ${span} ms at 50 rps`);
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
