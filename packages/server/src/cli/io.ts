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
