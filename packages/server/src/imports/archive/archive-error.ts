/** Why an archive (or one of its members) was refused. */
export type ArchiveProblem =
  | 'not_a_zip'
  | 'truncated'
  | 'corrupt'
  | 'zip_bomb'
  | 'unsafe_path'
  | 'symlink'
  | 'too_deep'
  | 'too_many_entries'
  | 'encrypted'
  | 'unsupported'
  | 'too_large';

/**
 * A refusal with a message a user can act on. Member names in it are sanitised
 * ({@link sanitizeMemberName}); `entryIndex` lets callers log the member without its name
 * (names carry e-mail addresses: garmin-export.md §7.9).
 */
export class ArchiveError extends Error {
  override readonly name = 'ArchiveError';
  constructor(
    readonly problem: ArchiveProblem,
    message: string,
    opts: { entryIndex?: number; cause?: unknown } = {},
  ) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    if (opts.entryIndex !== undefined) this.entryIndex = opts.entryIndex;
  }
  /** Central-directory position of the refused member, when one member is to blame. */
  readonly entryIndex?: number;
}

const MAX_SHOWN = 80;

/** A member name fit for a message: control characters removed, at most 80 characters (the end kept: it names the file). */
export function sanitizeMemberName(name: string): string {
  const clean = name.replace(/[\u0000-\u001f\u007f-\u009f]/g, '');
  return clean.length <= MAX_SHOWN ? clean : `…${clean.slice(clean.length - (MAX_SHOWN - 1))}`;
}

/** The error a caller's abort produces (Node's convention: name AbortError, the reason as cause). */
export function abortError(signal: AbortSignal): Error {
  const err = new Error('The operation was aborted', { cause: signal.reason });
  err.name = 'AbortError';
  return err;
}

/** Sizes in messages: "2 MiB", not "2097152". */
export function formatBytes(n: number): string {
  if (n < 1024) return `${n} bytes`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n / 1024;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u += 1;
  }
  return `${Number(v.toFixed(1))} ${units[u]}`;
}
