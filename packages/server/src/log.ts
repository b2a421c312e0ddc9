/**
 * The structured log sink services and workers write to: a pino-compatible subset (the app's
 * logger satisfies it). Only ids, counts, results and error classes go in — never secrets.
 */
export interface Log {
  info(obj: Record<string, unknown>, msg: string): void;
  warn(obj: Record<string, unknown>, msg: string): void;
  error(obj: Record<string, unknown>, msg: string): void;
}
