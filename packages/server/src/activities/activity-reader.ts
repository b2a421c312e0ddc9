import type { ActivityDetail, ActivityRecords, RecordField } from '@fitsync/api';

/**
 * Reading one decoded activity: what the detail, records and export routes need. Implemented by
 * the activities store (decoded FIT data); exports and the web read through this, never the tables.
 */
export interface ActivityReader {
  /** The activity with its decoded laps/device/sport; ApiError 404 `not_found` when the user has no such activity. */
  detail(userId: string, activityId: string): Promise<ActivityDetail>;
  /**
   * Every record point, oldest first, with `fields` in the order asked. ApiError 404 `not_found`;
   * 422 `decode_error` when the FIT file could not be decoded (or is not decoded yet).
   */
  records(userId: string, activityId: string, fields: readonly RecordField[]): Promise<ActivityRecords>;
}
