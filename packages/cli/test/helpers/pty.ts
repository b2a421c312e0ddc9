import { spawn, type IPty } from 'node-pty';
import { CLI_BIN } from './real-server.js';

/** The built CLI in a pseudo-terminal: the test reads the screen and types, like a user. */
export class PtySession {
  output = '';
  #pty: IPty;
  #consumed = 0;
  readonly exited: Promise<number>;

  constructor(args: string[], env: NodeJS.ProcessEnv, size: { cols?: number; rows?: number } = {}) {
    this.#pty = spawn(process.execPath, [CLI_BIN, ...args], {
      name: 'xterm',
      cols: size.cols ?? 120,
      rows: size.rows ?? 40,
      env: { PATH: process.env.PATH ?? '', ...env } as Record<string, string>,
    });
    this.#pty.onData((d) => {
      this.output += d;
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
      return await Promise.race([this.exited, timeout]);
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
