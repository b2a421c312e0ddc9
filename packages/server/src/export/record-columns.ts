import type { ActivityRecords, RecordField } from '@fitsync/api';

/** One record point read by field name (null when the record lacks it or the field was not asked). */
export type RecordValue = (point: readonly (number | null)[], field: RecordField) => number | null;

/** A reader of `records.points` by field name, whatever order `records.fields` has. */
export function recordColumns(records: ActivityRecords): RecordValue {
  const at = new Map(records.fields.map((f, i) => [f, i]));
  return (point, field) => {
    const i = at.get(field);
    return i === undefined ? null : (point[i] ?? null);
  };
}

/** Whether a point has a position (GPX and TCX write positions only with both coordinates). */
export function hasPosition(value: RecordValue, point: readonly (number | null)[]): boolean {
  return value(point, 'lat') !== null && value(point, 'lon') !== null;
}
