/** What pino writes its lines to: a Writable such as process.stderr, or LogLines. */
export interface LogDestination {
  write(line: string): unknown;
}

/**
 * The server's log destination under `fitsync-server start`: the lines written during one turn of
 * the event loop reach `target` (stderr) as one write, at the end of that turn (setImmediate). With
 * one write per line, the write(2) of the request log line alone was a sixth of what
 * `GET /v1/me` cost (issue 13); under load, one turn answers many requests, so their lines share one
 * write. Nothing waits longer than the turn that logged it, and the order of lines is kept.
 *
 * Lines still pending are written before the process ends: on `exit` (process.exit, the end of
 * the event loop, an uncaught exception) and, before Node prints an uncaught exception, on
 * `uncaughtExceptionMonitor`, so the last lines come out before the stack trace. This relies on
 * `target` writing synchronously, as process.stderr does for files, pipes and terminals on Linux.
 * Only a SIGKILL or a V8 abort in the middle of a turn loses that turn's lines.
 */
export class LogLines implements LogDestination {
  private pending = '';
  private scheduled = false;
  private closed = false;
  private readonly flushNow = (): void => {
    this.flush();
  };
  private readonly flushScheduled = (): void => {
    this.scheduled = false;
    this.flush();
  };

  /**
   * @param target where the lines go (the process's stderr)
   * @param maxPendingChars a turn's lines are written at once when they reach this many characters
   */
  constructor(
    private readonly target: LogDestination,
    private readonly maxPendingChars = 64 * 1024,
  ) {
    process.on('exit', this.flushNow);
    process.on('uncaughtExceptionMonitor', this.flushNow);
  }

  /** Takes one log line (pino's destination contract: a string ending with a newline). */
  write(line: string): boolean {
    if (this.closed) {
      this.target.write(line);
      return true;
    }
    this.pending += line;
    if (this.pending.length >= this.maxPendingChars) this.flush();
    else if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(this.flushScheduled);
    }
    return true;
  }

  /** Writes the pending lines now; `done` (pino's `logger.flush(cb)`) is called after. */
  flush(done?: (err?: Error) => void): void {
    if (this.pending !== '') {
      const text = this.pending;
      this.pending = '';
      this.target.write(text);
    }
    done?.();
  }

  /** Writes what is pending; later lines go straight to the target, one write each. */
  close(): void {
    this.flush();
    this.closed = true;
    process.off('exit', this.flushNow);
    process.off('uncaughtExceptionMonitor', this.flushNow);
  }
}
