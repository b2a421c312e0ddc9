import { ApiError } from '../http/api-error.js';

/** Where a keyset page ends: the last row's sort key (a number, then an id breaking ties). */
export interface KeysetPosition {
  at: number;
  id: string;
}

/** The opaque `next_cursor` of a page ending at `p`. */
export function encodeKeyset(p: KeysetPosition): string {
  return Buffer.from(JSON.stringify([p.at, p.id])).toString('base64url');
}

/**
 * Reads a `cursor` query parameter; ids must match `idPattern`. A cursor the server did not
 * write is a 400 naming the parameter, never a 500.
 */
export function decodeKeyset(c: string, idPattern: RegExp): KeysetPosition {
  try {
    const v = JSON.parse(Buffer.from(c, 'base64url').toString('utf8')) as unknown;
    if (Array.isArray(v) && v.length === 2 && Number.isSafeInteger(v[0]) && typeof v[1] === 'string' && idPattern.test(v[1])) {
      return { at: v[0] as number, id: v[1] };
    }
  } catch {
    // fall through
  }
  const message = 'cursor is not valid; pass next_cursor from a previous page.';
  throw new ApiError(400, 'validation_error', message, { errors: [{ path: 'querystring/cursor', message }] });
}

/**
 * One page of `rows` fetched with `limit + 1` (the extra row only says a next page exists), and
 * the cursor of the next page.
 */
export function keysetPage<R>(rows: R[], limit: number, positionOf: (r: R) => KeysetPosition): { page: R[]; next: string | null } {
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  return { page, next: rows.length > limit && last ? encodeKeyset(positionOf(last)) : null };
}
