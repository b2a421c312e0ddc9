import { Type } from '@sinclair/typebox';
import { IDEMPOTENCY_KEY_PATTERN, JOB_ID_PATTERN } from './rules.js';

/** YYYY-MM-DD naming a real day (format "date": isCalendarDate in rules.ts). */
export const CalendarDate = Type.String({ format: 'date', description: 'YYYY-MM-DD, a real calendar day' });

/** The Idempotency-Key request header (rules.ts). */
export const IdempotencyKey = Type.String({ pattern: IDEMPOTENCY_KEY_PATTERN, description: '1-200 visible ASCII characters' });

/** A sync job id (rules.ts). */
export const JobId = Type.String({ pattern: JOB_ID_PATTERN });
