import { basename, dirname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { type DecodedFit, failedDecode } from './decoded-fit.js';
import { transferable } from './transfer.js';

/** A decode thread idle this long is ended (started again by the next decode). */
const IDLE_MS = 10_000;

/** Heap a decode may use: the SDK's messages of a long activity, with room to spare. */
const MAX_HEAP_MB = 512;

/** What a decode thread that died mid-file gives that file (stored as its decode_error). */
export const DECODER_DIED = 'the decoder stopped while reading the file';

interface Job {
  bytes: Uint8Array;
  resolve: (d: DecodedFit) => void;
  reject: (err: Error) => void;
}

interface Thread {
  worker: Worker;
  job: Job | null;
  idle: NodeJS.Timeout | null;
}

/**
 * FIT files decoded off the main thread: up to `threads` worker threads (FITSYNC_DECODE_THREADS),
 * started when files arrive and ended when idle. The SDK read is the sync's heaviest CPU work; on
 * the main thread it stalled API requests during a sync. A file is handed over without a copy when
 * its buffer allows it (the caller must not use `bytes` afterwards). A decode never fails: a file
 * the SDK rejects, or a thread that dies on it (a crash, out of memory), gives a decode_error and
 * the thread is replaced. Jobs wait in a queue only while every thread is busy; callers bound how
 * many files are in flight (the sync's download pool, the rebuild's batch). `close()` ends the
 * threads and rejects what is still waiting.
 */
export class FitDecodePool {
  private readonly threads = new Set<Thread>();
  private readonly queue: Job[] = [];
  private closed = false;

  constructor(
    /** Threads at most (FITSYNC_DECODE_THREADS). */
    private readonly size: number,
    /** Told why a thread died (its file got a decode_error); the server logs it. */
    private readonly onDeath: (err: unknown) => void = () => {},
    /** The thread's entry; tests pass one that misbehaves. */
    private readonly entry: URL = workerEntry(),
  ) {
    if (!Number.isInteger(size) || size < 1) throw new Error('the decode pool needs at least one thread');
  }

  /** Decodes one FIT file; `bytes` is transferred to the decode thread (unusable afterwards). */
  decode(bytes: Uint8Array): Promise<DecodedFit> {
    if (this.closed) return Promise.reject(new Error('the FIT decoder is closed'));
    return new Promise<DecodedFit>((resolve, reject) => {
      this.queue.push({ bytes, resolve, reject });
      this.dispatch();
    });
  }

  /** Ends every thread (a file being decoded is dropped) and rejects the files still waiting. */
  async close(): Promise<void> {
    this.closed = true;
    for (const job of this.queue.splice(0)) job.reject(new Error('the FIT decoder is closed'));
    const ending = [...this.threads].map((t) => {
      if (t.idle) clearTimeout(t.idle);
      t.job?.reject(new Error('the FIT decoder is closed'));
      t.job = null;
      return t.worker.terminate();
    });
    this.threads.clear();
    // A terminating thread does not always hold the event loop open until it has ended (seen on
    // Node 20 with a thread ref()ed again after an idle unref()): this timer does, so the caller
    // really waits for the threads instead of the process running out of work meanwhile.
    const hold = setInterval(() => {}, 1000);
    try {
      await Promise.all(ending);
    } finally {
      clearInterval(hold);
    }
  }

  private dispatch(): void {
    while (this.queue.length > 0) {
      let thread = [...this.threads].find((t) => t.job === null);
      if (!thread) {
        if (this.threads.size >= this.size) return;
        thread = this.start();
      }
      this.run(thread, this.queue.shift()!);
    }
  }

  private run(t: Thread, job: Job): void {
    if (t.idle) clearTimeout(t.idle);
    t.idle = null;
    t.job = job;
    // Referenced only while decoding: an idle thread never keeps the process alive.
    t.worker.ref();
    t.worker.postMessage(job.bytes, transferable(job.bytes));
  }

  private start(): Thread {
    // A 16 MB young generation: decoding makes only short-lived garbage, and V8's default (up to
    // 48 MB here) pushed the server past 250 MB RSS in a 2,000-activity sync for no speed gained.
    const resourceLimits = { maxOldGenerationSizeMb: MAX_HEAP_MB, maxYoungGenerationSizeMb: 16 };
    // From source (tests run under tsx), a thread does not inherit tsx's loader: it registers it,
    // then imports its TypeScript entry.
    const worker = this.entry.pathname.endsWith('.ts')
      ? new Worker(`import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${JSON.stringify(this.entry.href)}); })`, {
          eval: true,
          resourceLimits,
        })
      : new Worker(this.entry, { resourceLimits });
    const t: Thread = { worker, job: null, idle: null };
    this.threads.add(t);
    worker.on('message', (d: DecodedFit) => {
      const job = t.job;
      t.job = null;
      // The records blob arrives as a Uint8Array over the transferred buffer: a Buffer view, no copy.
      const records = d.records ? Buffer.from(d.records.buffer, d.records.byteOffset, d.records.byteLength) : null;
      job?.resolve({ ...d, records });
      this.idle(t);
      this.dispatch();
    });
    // A thread that throws or runs out of memory ends: its file gets a decode_error, a new thread
    // takes the next one.
    let death: unknown = null;
    worker.on('error', (err) => {
      death = err;
    });
    worker.on('exit', (code) => {
      if (!this.threads.delete(t)) return;
      this.onDeath(death ?? new Error(`the decode thread exited with code ${code}`));
      if (t.idle) clearTimeout(t.idle);
      t.job?.resolve(failedDecode(DECODER_DIED));
      t.job = null;
      this.dispatch();
    });
    return t;
  }

  private idle(t: Thread): void {
    t.worker.unref();
    t.idle = setTimeout(() => {
      this.threads.delete(t);
      void t.worker.terminate();
    }, IDLE_MS);
    t.idle.unref();
  }
}

/**
 * The decode thread's entry: decode-worker.ts beside this module when it runs from source (tsx),
 * else dist/decode-worker.js of the server bundle (scripts/build.mjs), whose shared modules are in
 * dist/chunks/.
 */
function workerEntry(): URL {
  const here = fileURLToPath(import.meta.url);
  if (here.endsWith('.ts')) return new URL('./decode-worker.ts', import.meta.url);
  const dir = dirname(here);
  return pathToFileURL(`${basename(dir) === 'chunks' ? dirname(dir) : dir}/decode-worker.js`);
}
