import { spawn, type IPty } from 'node-pty';
import { CLI_BIN } from './real-server.js';

/** The built CLI in a pseudo-terminal: the test reads the screen and types, like a user. */
export class PtySession {
  output = '';
  #pty: IPty;
  #consumed = 0;
  #lastDataAt = Date.now();
  readonly exited: Promise<number>;

  /**
   * `linger`: keep the terminal open 0.3 s after the CLI exits (through `sh`), so output written
   * right before the exit is read before node-pty closes the terminal — it can drop that tail on a
   * loaded machine. Only for commands that are not sent signals (sh would take them too).
   */
  constructor(args: string[], env: NodeJS.ProcessEnv, size: { cols?: number; rows?: number; linger?: boolean } = {}) {
    const [file, argv] = size.linger
      ? ['/bin/sh', ['-c', '"$@"; rc=$?; sleep 0.3; exit $rc', 'sh', process.execPath, CLI_BIN, ...args]]
      : [process.execPath, [CLI_BIN, ...args]];
    this.#pty = spawn(file, argv, {
      name: 'xterm',
      cols: size.cols ?? 120,
      rows: size.rows ?? 40,
      env: { PATH: process.env.PATH ?? '', ...env } as Record<string, string>,
    });
    this.#pty.onData((d) => {
      this.output += d;
      this.#lastDataAt = Date.now();
    });
    this.exited = new Promise((resolve) => this.#pty.onExit(({ exitCode }) => resolve(exitCode)));
  }

  /** Waits until `text` appears after what earlier waits consumed. */
  async waitFor(text: string, ms = 30_000): Promise<void> {
    const deadline = Date.now() + ms;
    for (;;) {
      const i = this.output.indexOf(text, this.#consumed);
      if (i !== -1) {
        this.#consumed = i + text.length;
        return;
      }
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${JSON.stringify(text)}; screen:\n${this.output}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  type(text: string): void {
    this.#pty.write(text);
  }

  async exitCode(ms = 45_000): Promise<number> {
    let t: NodeJS.Timeout | undefined;
    const timeout = new Promise<number>((_, reject) => {
      t = setTimeout(() => reject(new Error(`pty did not exit; screen:\n${this.output}`)), ms);
    });
    try {
      const code = await Promise.race([this.exited, timeout]);
      // node-pty may report the exit before the last output is read (seen on a loaded machine):
      // wait until the terminal has been quiet for a moment, at most 2 s.
      const until = Date.now() + 2000;
      while (Date.now() - this.#lastDataAt < 150 && Date.now() < until) await new Promise((r) => setTimeout(r, 25));
      return code;
    } finally {
      clearTimeout(t);
    }
  }

  kill(): void {
    try {
      this.#pty.kill();
    } catch {
      // already gone
    }
  }
}
