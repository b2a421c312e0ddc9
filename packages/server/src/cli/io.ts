import type { Readable, Writable } from 'node:stream';

/** The process surface the admin CLI touches, injectable for tests. */
export interface CliIo {
  stdin: Readable;
  stdout: Writable;
  stderr: Writable;
  env: Record<string, string | undefined>;
  /** Resolves when the server should stop (SIGINT/SIGTERM in the real process). */
  stopSignal: () => Promise<string>;
}

/** The real process streams and signals. */
export function processIo(): CliIo {
  return {
    stdin: process.stdin,
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
    stopSignal: () =>
      new Promise((resolve) => {
        const on = (sig: string) => {
          process.off('SIGINT', on);
          process.off('SIGTERM', on);
          resolve(sig);
        };
        process.on('SIGINT', on);
        process.on('SIGTERM', on);
      }),
  };
}

/** Usage error: message on stderr, exit 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** Reads all of stdin as UTF-8 (for --password-stdin), without echo or argv exposure. */
export async function readAll(stream: Readable, limit = 64 * 1024): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    const b = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
    size += b.length;
    if (size > limit) throw new UsageError('stdin is too large for a password');
    chunks.push(b);
  }
  return Buffer.concat(chunks).toString('utf8');
}

type TtyIn = Readable & { isTTY?: boolean; setRawMode?: (on: boolean) => unknown };

/** True when a hidden prompt is possible: stdin and stderr are terminals. */
export function canPrompt(io: CliIo): boolean {
  return (io.stdin as TtyIn).isTTY === true && (io.stderr as { isTTY?: boolean }).isTTY === true;
}

/**
 * Asks for a secret on the terminal without echoing it (raw mode; Enter ends, Backspace edits,
 * Ctrl-C or Ctrl-D cancels with a UsageError).
 */
export function promptHidden(io: CliIo, question: string): Promise<string> {
  const input = io.stdin as TtyIn;
  // Echo off before the question shows: whatever is typed once it is on screen stays hidden.
  input.setRawMode?.(true);
  io.stderr.write(question);
  input.resume();
  return new Promise((resolve, reject) => {
    let value = '';
    const done = (err: Error | null) => {
      input.off('data', onData);
      input.setRawMode?.(false);
      input.pause();
      io.stderr.write('\n');
      if (err) reject(err);
      else resolve(value);
    };
    const onData = (chunk: Buffer | string) => {
      for (const ch of chunk.toString('utf8')) {
        if (ch === '\r' || ch === '\n') return done(null);
        if (ch === '\u0003' || ch === '\u0004') return done(new UsageError('cancelled'));
        if (ch === '\u007f' || ch === '\b') value = value.slice(0, -1);
        else value += ch;
      }
    };
    input.on('data', onData);
  });
}
