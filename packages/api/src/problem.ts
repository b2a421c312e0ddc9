import { type Static, Type } from '@sinclair/typebox';
import { ERROR_CODES } from './codes.js';

/** RFC 9457 problem details with FitSync's stable `code` and optional extras. */
export const Problem = Type.Object(
  {
    type: Type.String(),
    title: Type.String(),
    status: Type.Integer(),
    detail: Type.Optional(Type.String()),
    code: Type.Union(ERROR_CODES.map((c) => Type.Literal(c))),
    attempts_left: Type.Optional(Type.Integer({ minimum: 0 })),
    retry_after: Type.Optional(Type.Integer({ minimum: 0, description: 'seconds to wait' })),
    job_id: Type.Optional(Type.String()),
    /** OAuth error (RFC 6749 §5.2) of the device token endpoint; equal to `code`. */
    error: Type.Optional(Type.String()),
    errors: Type.Optional(Type.Array(Type.Object({ path: Type.String(), message: Type.String() }))),
  },
  { $id: 'Problem', additionalProperties: true },
);
export type Problem = Static<typeof Problem>;
