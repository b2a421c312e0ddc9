/**
 * Ctrl-C as a dependency: a command that wants to end cleanly on Ctrl-C (stop
 * following a job, restore the terminal) asks for the next one; tests fire it by hand.
 */
export interface Interrupts {
  /**
   * Calls `handler` on the next Ctrl-C (SIGINT) instead of the default exit. Only that one:
   * a second Ctrl-C gets the default again and ends the process at once. Returns a function
   * that gives Ctrl-C back its default.
   */
  once(handler: () => void): () => void;
}

/** The process's SIGINT. */
export const processInterrupts: Interrupts = {
  once(handler) {
    process.once('SIGINT', handler);
    return () => {
      process.off('SIGINT', handler);
    };
  },
};
