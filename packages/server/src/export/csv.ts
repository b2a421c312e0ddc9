import { type ActivityRecords, RECORD_FIELDS } from '@fitsync/api';
import { recordColumns } from './record-columns.js';

/**
 * The records as CSV (RFC 4180, CRLF line ends): a header of RECORD_FIELDS, one row per record,
 * `time` as ISO 8601 UTC with milliseconds, other values unrounded as JSON prints them, an empty
 * cell where a record has no value. No cell needs quoting.
 */
export function* renderCsv(records: ActivityRecords): Generator<string> {
  const value = recordColumns(records);
  yield `${RECORD_FIELDS.join(',')}\r\n`;
  for (const p of records.points) {
    const cells = RECORD_FIELDS.map((f) => {
      const v = value(p, f);
      if (v === null) return '';
      return f === 'time' ? new Date(v).toISOString() : JSON.stringify(v);
    });
    yield `${cells.join(',')}\r\n`;
  }
}
