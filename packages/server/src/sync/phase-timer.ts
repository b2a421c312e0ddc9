import type { Runtime } from '@fitsync/runtime';
import type { Histogram } from '../metrics.js';

/**
 * Runs one phase of a job and records how long it took on the runtime's clock in
 * fitsync_sync_phase_seconds{phase} — also when it throws (a failed or cancelled phase took that
 * long too). `phase` must be a bounded name: `<kind>:plan`, `<kind>:fetch`, `import:<step>`.
 */
export async function timePhase<T>(phases: Histogram | undefined, runtime: Runtime, phase: string, fn: () => Promise<T>): Promise<T> {
  if (!phases) return fn();
  const started = runtime.now();
  try {
    return await fn();
  } finally {
    phases.observe({ phase }, Math.max(0, runtime.now() - started) / 1000);
  }
}
