/**
 * JSON with exact 64-bit integers. Garmin writes activity ids as plain JSON
 * numbers above 2^53; a JS number cannot hold them, so they are carried as
 * `RawNumber` and spliced into the text verbatim.
 */
export class RawNumber {
  constructor(readonly digits: string) {}
  toJSON(): string {
    return `\u0001raw:${this.digits}\u0001`;
  }
}

const RAW_MARK = /"\\u0001raw:(-?\d+)\\u0001"/g;

/** JSON.stringify, with every `RawNumber` written as a bare number. */
export function stringifyJson(value: unknown): string {
  return JSON.stringify(value).replace(RAW_MARK, '$1');
}
