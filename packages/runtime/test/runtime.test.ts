import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { systemRuntime } from '../src/index.js';
import { FakeRuntime } from '../src/fake-runtime.js';

describe('FakeRuntime', () => {
  it('wakes sleeps in deadline order only when advanced past them', async () => {
    const rt = new FakeRuntime({ now: 1000 });
    const woke: string[] = [];
    void rt.sleep(300).then(() => woke.push(`b@${rt.now()}`));
    void rt.sleep(100).then(() => woke.push(`a@${rt.now()}`));
    await rt.advance(99);
    assert.deepEqual(woke, []);
    assert.equal(rt.now(), 1099);
    await rt.advance(150);
    assert.deepEqual(woke, ['a@1100']);
    await rt.advance(51);
    assert.deepEqual(woke, ['a@1100', 'b@1300']);
    assert.equal(rt.pending, 0);
  });

  it('wakes sleeps that woken code starts within the same advance', async () => {
    const rt = new FakeRuntime({ now: 0 });
    const ticks: number[] = [];
    void (async () => {
      for (let i = 0; i < 5; i++) {
        await rt.sleep(100);
        ticks.push(rt.now());
      }
    })();
    await rt.advance(350);
    assert.deepEqual(ticks, [100, 200, 300]);
  });

  it('rejects a sleep at once when its signal fires, and drops it', async () => {
    const rt = new FakeRuntime();
    const ac = new AbortController();
    const p = rt.sleep(10_000, ac.signal);
    ac.abort('cancel');
    await assert.rejects(p, (e: Error) => e.name === 'AbortError' && e.cause === 'cancel');
    assert.equal(rt.pending, 0);
    await assert.rejects(rt.sleep(1, ac.signal), { name: 'AbortError' });
  });

  it('draws the same numbers from the same seed, all in [0, 1)', () => {
    const a = new FakeRuntime({ seed: 7 });
    const b = new FakeRuntime({ seed: 7 });
    const xs = Array.from({ length: 1000 }, () => a.random());
    assert.deepEqual(
      xs.slice(0, 5),
      Array.from({ length: 5 }, () => b.random()),
    );
    assert.ok(xs.every((x) => x >= 0 && x < 1));
    assert.ok(new Set(xs).size > 990);
  });
});

describe('systemRuntime', () => {
  it('sleeps on real timers and rejects when aborted', async () => {
    const t0 = Date.now();
    await systemRuntime.sleep(20);
    assert.ok(Date.now() - t0 >= 15);
    const ac = new AbortController();
    const p = systemRuntime.sleep(60_000, ac.signal);
    ac.abort('stop');
    await assert.rejects(p, (e: Error) => e.name === 'AbortError' && e.cause === 'stop');
  });
});
