import type { Readable, Writable } from 'node:stream';
import { sanitizeForTerminal } from './terminal-text.js';

/** A readable that may be a TTY (raw mode is needed for hidden input). */
export interface InStream extends Readable {
  isTTY?: boolean;
  setRawMode?: (mode: boolean) => unknown;
}
export interface OutStream extends Writable {
  isTTY?: boolean;
}

/**
 * All terminal I/O goes through this object (GitHub CLI's iostreams): data to
 * `out`, prompts and messages to `err`. Tests build one with fake streams.
 */
export class IOStreams {
  #in: InStream | (() => InStream);
  #out: OutStream | (() => OutStream);
  #err: OutStream | (() => OutStream);
  #colorDisabled = false;
  #stdinTTY: boolean | undefined;
  #stderrTTY: boolean | undefined;

  /** Streams, or functions giving them on first use. */
  constructor(opts: {
    in: InStream | (() => InStream);
    out: OutStream | (() => OutStream);
    err: OutStream | (() => OutStream);
    stdinTTY?: boolean;
    stderrTTY?: boolean;
  }) {
    this.#in = opts.in;
    this.#out = opts.out;
    this.#err = opts.err;
    this.#stdinTTY = opts.stdinTTY;
    this.#stderrTTY = opts.stderrTTY;
  }

  get in(): InStream {
    if (typeof this.#in === 'function') this.#in = this.#in();
    return this.#in;
  }
  get out(): OutStream {
    if (typeof this.#out === 'function') this.#out = this.#out();
    return this.#out;
  }
  get err(): OutStream {
    if (typeof this.#err === 'function') this.#err = this.#err();
    return this.#err;
  }

  /**
   * The real process streams, created on first use: Node builds process.stdin
   * and friends lazily, and a command that never reads stdin should not pay for it.
   */
  static system(): IOStreams {
    return new IOStreams({ in: () => process.stdin as InStream, out: () => process.stdout, err: () => process.stderr });
  }

  isStdinTTY(): boolean {
    return this.#stdinTTY ?? this.in.isTTY === true;
  }
  isStderrTTY(): boolean {
    return this.#stderrTTY ?? this.err.isTTY === true;
  }
  isStdoutTTY(): boolean {
    return this.out.isTTY === true;
  }
  /** The terminal's width in columns when stdout is a terminal that tells it. */
  stdoutColumns(): number | undefined {
    const c = (this.out as { columns?: unknown }).columns;
    return this.isStdoutTTY() && typeof c === 'number' && Number.isInteger(c) && c > 0 ? c : undefined;
  }
  /** Prompts are allowed only when both stdin and stderr are terminals (spec: CLI contract). */
  canPrompt(): boolean {
    return this.isStdinTTY() && this.isStderrTTY();
  }
  disableColor(): void {
    this.#colorDisabled = true;
  }
  colorEnabled(): boolean {
    return !this.#colorDisabled && this.isStderrTTY();
  }
  /** Bold/red/green/etc. for stderr messages when colour is on. */
  style(code: 'bold' | 'red' | 'green' | 'yellow' | 'dim', text: string): string {
    if (!this.colorEnabled()) return text;
    const codes = { bold: [1, 22], red: [31, 39], green: [32, 39], yellow: [33, 39], dim: [2, 22] } as const;
    const [a, b] = codes[code];
    return `\u001b[${a}m${text}\u001b[${b}m`;
  }
  /**
   * A message line to stderr. Messages often quote server text (names, ids,
   * error details), so control characters and escape sequences are removed
   * here, for every message (terminal-text.ts); line breaks are kept.
   */
  info(line: string): void {
    this.err.write(`${sanitizeForTerminal(line, { multiline: true })}\n`);
  }
  warn(line: string): void {
    this.err.write(`${this.style('yellow', 'warning:')} ${sanitizeForTerminal(line, { multiline: true })}\n`);
  }
}
