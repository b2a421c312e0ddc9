import { ArchiveError, formatBytes } from './archive-error.js';

/** A failure of the machine (EIO, EMFILE…) rather than of the archive: callers retry those, so they pass unchanged. */
function isSystemError(err: unknown): boolean {
  return err instanceof Error && typeof (err as NodeJS.ErrnoException).syscall === 'string';
}

/**
 * yauzl's errors while reading the central directory, as refusals. yauzl reports plain Errors, so
 * the message is all there is to go on; anything unrecognised is "damaged", never a crash.
 */
export function openFailure(err: unknown, where: string, head: Buffer, length: number): unknown {
  if (err instanceof ArchiveError || isSystemError(err) || (err instanceof Error && err.name === 'AbortError')) return err;
  const message = err instanceof Error ? err.message : String(err);
  if (/End of central directory record signature not found/.test(message)) return noEndRecord(err, where, head, length);
  if (/strong encryption/.test(message)) return new ArchiveError('encrypted', `${where} uses strong encryption; export it again without a password`, { cause: err });
  if (/multi-disk/.test(message)) return new ArchiveError('unsupported', `${where} is split across several disks (a multi-part zip)`, { cause: err });
  return new ArchiveError('corrupt', `${where} is damaged or incomplete (its central directory is invalid); download it again`, { cause: err });
}

const LOCAL_HEADER = Buffer.from([0x50, 0x4b, 0x03, 0x04]);

function noEndRecord(err: unknown, where: string, head: Buffer, length: number): ArchiveError {
  if (length === 0) return new ArchiveError('not_a_zip', `${where} is empty, not a zip archive`, { cause: err });
  const sig = head.subarray(0, Math.min(4, head.length));
  // Starts like a zip but its end record is missing: the download or upload stopped early.
  if (LOCAL_HEADER.subarray(0, sig.length).equals(sig)) {
    return new ArchiveError('truncated', `${where} is incomplete (cut short after ${formatBytes(length)}); download it again`, { cause: err });
  }
  const text = head.toString('latin1').trimStart().slice(0, 15).toLowerCase();
  const hint = text.startsWith('<') ? ' (it looks like a web page: perhaps the download link\'s page was saved instead of the export)' : '';
  return new ArchiveError('not_a_zip', `${where} is not a zip archive${hint}`, { cause: err });
}

/** Failures while a member's bytes flow (yauzl's byte counts, zlib, the file). */
export function streamFailure(err: unknown, member: string, index: number): unknown {
  if (err instanceof ArchiveError || isSystemError(err) || (err instanceof Error && err.name === 'AbortError')) return err;
  const message = err instanceof Error ? err.message : String(err);
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string' && code.startsWith('Z_')) {
    return new ArchiveError('corrupt', `${member} is damaged (its compressed data is invalid)`, { entryIndex: index, cause: err });
  }
  if (/not enough bytes/.test(message)) {
    return new ArchiveError('truncated', `${member} is cut short: the archive is incomplete`, { entryIndex: index, cause: err });
  }
  return new ArchiveError('corrupt', `${member} is damaged or incomplete`, { entryIndex: index, cause: err });
}
