import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { systemRuntime } from '@fitsync/runtime';
import { FakeRuntime } from '@fitsync/runtime/fake';
import { SyncAborted } from '../src/sync/abortable.js';
import { UpstreamLimiter } from '../src/sync/upstream-limiter.js';

describe('upstream limiter', () => {
  test('never more than `concurrency` calls in flight', async () => {
    const limiter = new UpstreamLimiter({ concurrency: 3, rps: 0, signal: new AbortController().signal, runtime: systemRuntime });
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

  test('call starts are spaced 1/rps apart (FakeRuntime)', async () => {
    const rt = new FakeRuntime({ now: 1_000 });
    const limiter = new UpstreamLimiter({ concurrency: 10, rps: 50, signal: new AbortController().signal, runtime: rt });
    const starts: number[] = [];
    const all = Promise.all(Array.from({ length: 6 }, () => limiter.run(async () => void starts.push(rt.now()))));
    // Before time moves only the first call may start; the others wait for their slot.
    await rt.advance(0);
    assert.deepEqual(starts, [1_000]);
    await rt.advance(19);
    assert.deepEqual(starts, [1_000]);
    await rt.advance(81);
    await all;
    // Scheduled 20 ms apart from the first start: no call starts before its slot.
    assert.deepEqual(starts, [1_000, 1_020, 1_040, 1_060, 1_080, 1_100]);
    assert.equal(limiter.calls, 6);
  });

  test('a stop rejects a call waiting for its paced slot at once', async () => {
    const rt = new FakeRuntime();
    const ac = new AbortController();
    const limiter = new UpstreamLimiter({ concurrency: 2, rps: 1, signal: ac.signal, runtime: rt });
    let ran = 0;
    await limiter.run(async () => void ran++);
    const paced = limiter.run(async () => void ran++);
    await rt.advance(10);
    ac.abort('shutdown');
    await assert.rejects(paced, (e: unknown) => e instanceof SyncAborted && e.reason === 'shutdown');
    await rt.advance(5_000);
    assert.equal(ran, 1);
  });

  test('a stop rejects waiting and in-flight calls at once', async () => {
    const ac = new AbortController();
    const limiter = new UpstreamLimiter({ concurrency: 1, rps: 0, signal: ac.signal, runtime: systemRuntime });
    const never = () => new Promise<void>(() => {});
    const a = limiter.run(never);
    const b = limiter.run(never);
    ac.abort('cancel');
    await assert.rejects(a, (e: unknown) => e instanceof SyncAborted && e.reason === 'cancel');
    await assert.rejects(b, (e: unknown) => e instanceof SyncAborted && e.reason === 'cancel');
  });
});
