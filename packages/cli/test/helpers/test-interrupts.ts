import type { Interrupts } from '../../src/interrupts.js';

/** Ctrl-C by hand: `fire()` is one press; a press with no handler waiting is what the process's default would get. */
export class TestInterrupts implements Interrupts {
  readonly #handlers: (() => void)[] = [];
  /** Presses that found no handler (the real process would have ended at once). */
  unhandled = 0;

  once(handler: () => void): () => void {
    this.#handlers.push(handler);
    return () => {
      const i = this.#handlers.indexOf(handler);
      if (i !== -1) this.#handlers.splice(i, 1);
    };
  }

  get waiting(): number {
    return this.#handlers.length;
  }

  fire(): void {
    const h = this.#handlers.shift();
    if (h) h();
    else this.unhandled++;
  }
}
