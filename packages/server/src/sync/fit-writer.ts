import { Worker } from 'node:worker_threads';

// Runs in a worker thread: one message per file, written with synchronous calls there, so the
// event loop pays one postMessage per FIT file instead of five thread-pool round trips
// (open, write, fsync, close, rename). CommonJS source because it is evaluated as a string.
const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const fs = require('node:fs');
const made = new Set();
parentPort.on('message', (m) => {
  try {
    if (!made.has(m.dir)) { fs.mkdirSync(m.dir, { recursive: true, mode: 0o700 }); made.add(m.dir); }
    const fd = fs.openSync(m.tmp, 'w', 0o600);
    try {
      let off = 0;
      while (off < m.bytes.length) off += fs.writeSync(fd, m.bytes, off, m.bytes.length - off);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(m.tmp, m.path);
    parentPort.postMessage({ id: m.id });
  } catch (e) {
    try { fs.unlinkSync(m.tmp); } catch {}
    parentPort.postMessage({ id: m.id, error: { code: e && e.code, message: String(e && e.message) } });
  }
});
`;

interface Pending {
  resolve: () => void;
  reject: (err: Error) => void;
}

/**
 * A few worker threads that write files durably (temp file, fsync, rename). Threads are unref'd
 * (they never keep the process alive) and ended by `close()`.
 */
export class FitWriter {
  private readonly workers: Worker[] = [];
  private readonly pending = new Map<number, Pending>();
  private seq = 0;
  private next = 0;
  private closed = false;

  constructor(private readonly size = 2) {}

  /** Writes `bytes` to `path` (via `tmp` in `dir`); resolves once the file is durable. */
  write(dir: string, tmp: string, path: string, bytes: Uint8Array): Promise<void> {
    if (this.closed) return Promise.reject(new Error('FIT writer closed'));
    if (this.workers.length < this.size) this.spawn();
    const id = ++this.seq;
    const w = this.workers[this.next++ % this.workers.length]!;
    return new Promise<void>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      w.postMessage({ id, dir, tmp, path, bytes });
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    const ws = this.workers.splice(0);
    await Promise.all(ws.map((w) => w.terminate()));
    for (const p of this.pending.values()) p.reject(new Error('FIT writer closed'));
    this.pending.clear();
  }

  private spawn(): void {
    // The thread only moves bytes to disk: a small heap keeps the server's memory flat.
    const w = new Worker(WORKER_SOURCE, { eval: true, resourceLimits: { maxOldGenerationSizeMb: 16, maxYoungGenerationSizeMb: 4 } });
    w.unref();
    w.on('message', (m: { id: number; error?: { code?: string; message: string } }) => {
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      if (!m.error) return p.resolve();
      const err = new Error(m.error.message) as NodeJS.ErrnoException;
      if (m.error.code) err.code = m.error.code;
      p.reject(err);
    });
    // A writer that died fails every pending write (callers retry or fail their job); the next
    // write starts a fresh thread. Without this a lost thread would leave writes waiting forever.
    const lost = (err: Error) => {
      const i = this.workers.indexOf(w);
      if (i < 0) return;
      this.workers.splice(i, 1);
      for (const [id, p] of this.pending) {
        p.reject(err);
        this.pending.delete(id);
      }
    };
    w.on('error', lost);
    w.on('exit', (code) => lost(new Error(`FIT writer thread exited (${code})`)));
    this.workers.push(w);
  }
}
