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

  test('call starts are spaced 1/rps apart (fake clock)', async () => {
    let now = 1_000;
    const sleeps: number[] = [];
    const limiter = new UpstreamLimiter({
      concurrency: 10,
      rps: 50,
      signal: new AbortController().signal,
      now: () => now,
      // The fake sleep moves the clock to the wake-up time of the longest sleeper so far.
      sleep: async (ms) => {
        sleeps.push(ms);
        await Promise.resolve();
        now = Math.max(now, 1_000 + Math.max(...sleeps));
      },
    });
    const starts: number[] = [];
    await Promise.all(Array.from({ length: 6 }, () => limiter.run(async () => void starts.push(now))));
    // Scheduled 20 ms apart from the first start: no call may start before its slot.
    assert.deepEqual(sleeps, [20, 40, 60, 80, 100]);
    assert.equal(Math.max(...starts) - Math.min(...starts), 100);
    assert.equal(limiter.calls, 6);
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
