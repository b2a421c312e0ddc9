/**
 * Typed errors. Each maps to one exit code of the CLI contract
 * (spec/product.md "Exit codes"); the mapping lives in `exitCodeFor` only.
 * Messages are shown to the user as-is, so they must never carry secrets.
 */
/** What the server said, when an error came from an API answer. */
export interface ApiFailure {
  status: number;
  /** The problem's stable `code` (spec: API contract), when there was one. */
  code?: string;
  attemptsLeft?: number;
  retryAfter?: number;
  jobId?: string;
  /** Where an upload stands (409 upload_offset_mismatch): the offset to continue from. */
  receivedBytes?: number;
  /** The server's `detail`, sanitised to one printable line (a command may show it as is). */
  detail?: string;
}

export class CliError extends Error {
  /** Optional second line telling the user what to do next. */
  hint?: string;
  api?: ApiFailure;
  constructor(message: string, hint?: string) {
    super(message);
    this.name = new.target.name;
    if (hint !== undefined) this.hint = hint;
  }
}
/** Bad flag, bad value, non-HTTPS server, prompt needed without a TTY, unusable local file. */
export class UsageError extends CliError {}
/** Not signed in, session expired, wrong password or code, throttled. */
export class AuthError extends CliError {}
export class NotFoundError extends CliError {}
export class ConflictError extends CliError {}
/** Network error, timeout, 5xx. */
export class UnavailableError extends CliError {}
export class JobFailedError extends CliError {}
/** The user pressed Ctrl-C at a prompt. */
export class CancelledError extends CliError {}

/** The one place that turns an error into an exit code. */
export function exitCodeFor(err: unknown): number {
  if (err instanceof UsageError) return 2;
  if (err instanceof AuthError) return 3;
  if (err instanceof NotFoundError) return 4;
  if (err instanceof ConflictError) return 5;
  if (err instanceof UnavailableError) return 6;
  if (err instanceof JobFailedError) return 7;
  // 130 = 128 + SIGINT, what shells report for an interrupted program.
  if (err instanceof CancelledError) return 130;
  return 1;
}
