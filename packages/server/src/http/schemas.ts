import { Type } from '@sinclair/typebox';

/** Shared-schema reference to the Problem document (registered with app.addSchema). */
export const ProblemRef = Type.Unsafe<Record<string, unknown>>({ $ref: 'Problem#' });

/** Response schema entries for the given error statuses, all problem+json. */
export function problems(...statuses: number[]): Record<number, typeof ProblemRef> {
  return Object.fromEntries(statuses.map((s) => [s, ProblemRef]));
}

export const NoContent = Type.Null({ description: 'No content' });
