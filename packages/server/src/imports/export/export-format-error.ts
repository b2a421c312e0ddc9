/**
 * A member of the export whose JSON is not the shape its family has (garmin-export.md §1: every
 * file a top-level array). The message names the family, never the member (its name can hold the
 * account's e-mail address).
 */
export class ExportFormatError extends Error {
  override name = 'ExportFormatError';
}
