import { CancelledError, UsageError } from './errors.js';
import type { IOStreams } from './iostreams.js';
import { Secret } from './secret.js';

/** Questions to the user; only used when `io.canPrompt()`. */
export interface Prompter {
  /** A visible answer (username, MFA code). */
  text(label: string): Promise<string>;
  /** A hidden answer: raw mode, nothing echoed. */
  password(label: string): Promise<Secret>;
}

/**
 * Reads answers from `io.in`, writes questions to `io.err` (stdout stays data).
 * Both prompt kinds read in raw mode when the stream supports it, so Ctrl-C,
 * backspace and echo are handled here the same way on every platform.
 */
export class TerminalPrompter implements Prompter {
  readonly #io: IOStreams;
  #pending = '';

  constructor(io: IOStreams) {
    this.#io = io;
  }

  async text(label: string): Promise<string> {
    return this.#ask(label, true);
  }

  async password(label: string): Promise<Secret> {
    const value = await this.#ask(label, false);
    return new Secret(value);
  }

  #ask(label: string, echo: boolean): Promise<string> {
    const io = this.#io;
    if (!io.canPrompt()) throw new UsageError('cannot prompt: stdin or stderr is not a terminal');
    const input = io.in;
    const raw = typeof input.setRawMode === 'function' && input.isTTY === true;
    // Echo off before the label shows: whatever is typed once it is on screen stays hidden.
    if (raw) input.setRawMode?.(true);
    io.err.write(label);
    return new Promise<string>((resolve, reject) => {
      let answer = '';
      const finish = (err?: Error) => {
        input.off('data', onData);
        input.off('end', onEnd);
        input.pause();
        if (raw) input.setRawMode?.(false);
        io.err.write('\n');
        if (err) reject(err);
        else resolve(answer);
      };
      const feed = (text: string): boolean => {
        for (let i = 0; i < text.length; i++) {
          const ch = text[i] as string;
          if (ch === '\r' || ch === '\n') {
            // Keep what follows for the next prompt (answers typed ahead); skip the \n of a \r\n.
            this.#pending = text.slice(ch === '\r' && text[i + 1] === '\n' ? i + 2 : i + 1);
            finish();
            return true;
          }
          if (ch === '\u0003') {
            this.#pending = '';
            finish(new CancelledError('cancelled'));
            return true;
          }
          if (ch === '\u0004' && answer === '') {
            this.#pending = '';
            finish(new CancelledError('cancelled (end of input)'));
            return true;
          }
          if (ch === '\u007f' || ch === '\b') {
            if (answer.length > 0) {
              answer = answer.slice(0, -1);
              if (echo) io.err.write('\b \b');
            }
            continue;
          }
          if (ch === '\u001b') {
            // Skip an escape sequence (arrow keys) instead of storing it.
            const m = /^\u001b\[[0-9;]*[A-Za-z~]/.exec(text.slice(i));
            if (m) i += m[0].length - 1;
            continue;
          }
          if (ch < ' ') continue;
          answer += ch;
          if (echo) io.err.write(ch);
        }
        return false;
      };
      const onData = (chunk: Buffer | string) => {
        feed(typeof chunk === 'string' ? chunk : chunk.toString('utf8'));
      };
      const onEnd = () => finish(new CancelledError('cancelled (end of input)'));
      const pending = this.#pending;
      this.#pending = '';
      if (pending && feed(pending)) return;
      input.on('data', onData);
      input.on('end', onEnd);
      input.resume();
    });
  }
}

/** Reads all of stdin (for --password-stdin): the first line, without its line ending. */
export async function readStdinSecret(io: IOStreams, what: string): Promise<Secret> {
  if (io.isStdinTTY()) {
    io.err.write(`Reading the ${what} from stdin (end with Ctrl-D)...\n`);
  }
  const chunks: Buffer[] = [];
  for await (const c of io.in) chunks.push(typeof c === 'string' ? Buffer.from(c) : (c as Buffer));
  const text = Buffer.concat(chunks).toString('utf8');
  const first = text.split(/\r?\n/)[0] ?? '';
  if (first === '') throw new UsageError(`no ${what} on stdin`);
  return new Secret(first);
}
