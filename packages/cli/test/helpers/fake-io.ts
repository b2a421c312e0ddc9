import { PassThrough } from 'node:stream';
import { IOStreams } from '../../src/iostreams.js';

/** Streams whose written text can be read back; stdin is writable by the test. */
export interface FakeIO {
  io: IOStreams;
  stdin: PassThrough;
  out: () => string;
  err: () => string;
  /** Resolves once stderr contains `text` (a prompt), or rejects after `ms`. */
  waitForErr: (text: string, ms?: number) => Promise<void>;
}

export function fakeIO(opts: { tty?: boolean } = {}): FakeIO {
  const stdin = new PassThrough();
  const out = new PassThrough();
  const err = new PassThrough();
  let outText = '';
  let errText = '';
  const waiters: { text: string; from: number; resolve: () => void }[] = [];
  out.on('data', (c: Buffer) => {
    outText += c.toString();
  });
  err.on('data', (c: Buffer) => {
    errText += c.toString();
    for (const w of [...waiters]) {
      if (errText.indexOf(w.text, w.from) !== -1) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve();
      }
    }
  });
  let consumed = 0;
  const io = new IOStreams({ in: stdin, out, err, stdinTTY: opts.tty ?? false, stderrTTY: opts.tty ?? false });
  return {
    io,
    stdin,
    out: () => outText,
    err: () => errText,
    // Each wait looks only at stderr written after the previous wait matched, like a conversation.
    waitForErr: (text, ms = 5000) =>
      new Promise<void>((resolve, reject) => {
        const idx = errText.indexOf(text, consumed);
        if (idx !== -1) {
          consumed = idx + text.length;
          resolve();
          return;
        }
        const t = setTimeout(() => reject(new Error(`timed out waiting for ${JSON.stringify(text)} on stderr; got:\n${errText}`)), ms);
        waiters.push({
          text,
          from: consumed,
          resolve: () => {
            clearTimeout(t);
            consumed = errText.indexOf(text, consumed) + text.length;
            resolve();
          },
        });
      }),
  };
}
