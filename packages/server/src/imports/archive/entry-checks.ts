import yauzl from 'yauzl';
import { ArchiveError, sanitizeMemberName } from './archive-error.js';
import { type ArchiveLimits, RATIO_FLOOR_BYTES } from './limits.js';

const S_IFMT = 0o170000;
const S_IFLNK = 0o120000;
const METHOD_NAMES: Record<number, string> = { 9: 'Deflate64', 12: 'bzip2', 14: 'LZMA', 93: 'Zstandard', 95: 'XZ', 98: 'PPMd' };

/**
 * The member's name as callers see it ('/'-separated), or the refusal. Everything here is read from
 * the central directory, so a hostile archive is refused before anything of it is imported.
 */
export function checkEntry(entry: yauzl.Entry, index: number, limits: ArchiveLimits, where: string): string | ArchiveError {
  // Strict decoding keeps backslashes, so "..\..\x" is seen as the traversal it is on Windows.
  const decoded = yauzl.getFileNameLowLevel(entry.generalPurposeBitFlag, entry.fileNameRaw, entry.extraFields, true);
  const name = decoded.replace(/\\/g, '/');
  const shown = `${where}: member "${sanitizeMemberName(name)}"`;
  const refuse = (problem: ArchiveError['problem'], what: string) => new ArchiveError(problem, `${shown} ${what}`, { entryIndex: index });

  const unsafe = unsafeReason(name);
  if (unsafe) return refuse('unsafe_path', `has an unsafe name (${unsafe})`);
  if (((entry.externalFileAttributes >>> 16) & S_IFMT) === S_IFLNK) return refuse('symlink', 'is a symbolic link');
  if (entry.isEncrypted()) return refuse('encrypted', 'is encrypted; export the archive again without a password');
  const method = entry.compressionMethod;
  if (method !== 0 && method !== 8) {
    return refuse('unsupported', `uses compression method ${METHOD_NAMES[method] ?? method}; only stored and deflated members are supported`);
  }
  if (method === 0 && entry.compressedSize !== entry.uncompressedSize) return refuse('corrupt', 'is damaged (its stored sizes disagree)');
  const size = entry.uncompressedSize;
  if (size > RATIO_FLOOR_BYTES && size > limits.maxRatio * entry.compressedSize) {
    return refuse('zip_bomb', `would expand more than ${limits.maxRatio} times (a zip bomb)`);
  }
  return name;
}

function unsafeReason(name: string): string | null {
  if (name.length === 0) return 'empty';
  if (/[\u0000-\u001f\u007f-\u009f]/.test(name)) return 'control characters';
  if (name.startsWith('/')) return 'absolute path';
  if (/^[A-Za-z]:/.test(name)) return 'drive letter';
  if (name.split('/').includes('..')) return "'..' segment";
  return null;
}

/** Where each member's bytes lie, for the overlap check. */
export interface Extent {
  offset: number;
  compressedSize: number;
  index: number;
}

/**
 * Members whose data overlaps another's (or the central directory) are refused: overlapping
 * members are how the densest zip bombs multiply one compressed body many times over
 * (Fifield, "A better zip bomb", 2019), and no archiver writes them.
 */
export function findOverlap(extents: Extent[], centralDirectoryOffset: number): Extent | null {
  const sorted = [...extents].sort((a, b) => a.offset - b.offset);
  for (let i = 0; i < sorted.length; i++) {
    const e = sorted[i]!;
    // A local header is at least 30 bytes before the data.
    const end = e.offset + 30 + e.compressedSize;
    const next = i + 1 < sorted.length ? sorted[i + 1]!.offset : centralDirectoryOffset;
    if (end > next) return e;
  }
  return null;
}
