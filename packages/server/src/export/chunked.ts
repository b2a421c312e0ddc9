import { Readable } from 'node:stream';

/** About how much text one chunk of an export carries (a few hundred track points). */
const CHUNK_CHARS = 64 * 1024;

/**
 * A document produced piece by piece as a byte stream: pieces are joined into chunks of about
 * 64 KiB, so a long activity is never one big string and a short one is not a thousand writes.
 * The generator runs only as fast as the client reads.
 */
export function chunkedStream(pieces: Iterable<string>): Readable {
  function* chunks(): Generator<string> {
    let buf: string[] = [];
    let size = 0;
    for (const piece of pieces) {
      buf.push(piece);
      size += piece.length;
      if (size >= CHUNK_CHARS) {
        yield buf.join('');
        buf = [];
        size = 0;
      }
    }
    if (size > 0) yield buf.join('');
  }
  return Readable.from(chunks(), { objectMode: false });
}
