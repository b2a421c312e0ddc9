import type { SyncJob } from '@fitsync/api';
import type { Runtime } from '@fitsync/runtime';
import type { IOStreams } from '../iostreams.js';
import { jobLine } from './job-view.js';

/** Shows a followed job's progress on stderr. */
export interface JobReporter {
  update(job: SyncJob): void;
  done(job: SyncJob): void;
  /** Stops before the job ended: ends a line drawn in place, so what follows starts on a fresh one. */
  stop(): void;
}

/** Not a terminal (CI logs, pipes): one plain line per change, nothing redrawn. */
export class LineReporter implements JobReporter {
  readonly #io: IOStreams;
  #last = '';
  constructor(io: IOStreams) {
    this.#io = io;
  }
  update(job: SyncJob): void {
    const line = jobLine(job);
    if (line === this.#last) return;
    this.#last = line;
    this.#io.info(line);
  }
  done(job: SyncJob): void {
    this.update(job);
  }
  stop(): void {
    // Every line already ended.
  }
}

/** A progress bar on a terminal (loaded on demand, off the start-up path), lines otherwise. */
export async function createReporter(io: IOStreams, runtime: Runtime): Promise<JobReporter> {
  if (!io.isStderrTTY()) return new LineReporter(io);
  const { ProgressBar } = await import('../progress/progress-bar.js');
  const columns = (io.err as { columns?: number }).columns;
  return new ProgressBar(io.err, runtime, { color: io.colorEnabled(), ...(columns ? { columns } : {}) });
}
