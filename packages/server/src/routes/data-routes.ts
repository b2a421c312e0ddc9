import { ActivityList, ActivityListQuery, HealthDays, HealthQuery, Workouts } from '@fitsync/api';
import { FIT_CONTENT_TYPE } from '@fitsync/api/codes';
import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import { authOf } from '../app-deps.js';
import { ApiError } from '../http/api-error.js';
import { problems } from '../http/schemas.js';
import { findActivityFit, listActivities } from '../repositories/activity-rows.js';
import { listHealthDays } from '../repositories/health-days.js';
import { listWorkouts } from '../repositories/workout-rows.js';
import { addDays, dayStartMs } from '../sync/dates.js';
import type { FitStore } from '../sync/fit-store.js';

const ActivityParams = Type.Object({ activity_id: Type.String({ minLength: 1, maxLength: 20 }) });

export interface DataRoutesOptions {
  fitStore: FitStore;
}

function validation(message: string, path: string): ApiError {
  return new ApiError(400, 'validation_error', message, { errors: [{ path, message }] });
}

function realDay(v: string | undefined, name: string): void {
  if (v === undefined) return;
  const d = new Date(`${v}T00:00:00Z`);
  if (Number.isNaN(d.getTime()) || d.toISOString().slice(0, 10) !== v) {
    throw validation(`${name} is not a real date (YYYY-MM-DD).`, `querystring/${name}`);
  }
}

/** The synced data: activities (with their original FIT files), daily health, workouts. */
export const dataRoutes: FastifyPluginAsync<DataRoutesOptions> = async (app, opts) => {
  const { db } = app.deps;
  const auth = { onRequest: app.requireAuth };
  const security = [{ bearer: [] }];

  app.get<{ Querystring: ActivityListQuery }>(
    '/v1/activities',
    {
      ...auth,
      schema: {
        tags: ['data'],
        summary: 'Synced activities, newest first',
        description: '`since`/`until` are UTC dates, inclusive, on the start time.',
        security,
        querystring: ActivityListQuery,
        response: { 200: ActivityList, ...problems(400, 401) },
      },
    },
    async (req) => {
      const { since, until, cursor } = req.query;
      realDay(since, 'since');
      realDay(until, 'until');
      const limit = req.query.limit ?? 50;
      const before = cursor === undefined ? undefined : decodeCursor(cursor);
      const rows = await listActivities(db, authOf(req).userId, {
        sinceMs: since ? dayStartMs(since) : undefined,
        untilMs: until ? dayStartMs(addDays(until, 1)) : undefined,
        limit: limit + 1,
        before,
      });
      const page = rows.slice(0, limit);
      const last = page[page.length - 1];
      return {
        activities: page.map((r) => ({
          activity_id: r.activity_id,
          name: r.name,
          activity_type: r.activity_type,
          start_time: r.start_time,
          duration_s: num(r.duration_s),
          distance_m: num(r.distance_m),
          calories: num(r.calories),
          avg_hr: num(r.avg_hr),
          fit_sha256: r.fit_sha256,
        })),
        next_cursor:
          rows.length > limit && last
            ? Buffer.from(JSON.stringify([Number(last.start_ms), last.activity_id])).toString('base64url')
            : null,
      };
    },
  );

  app.get<{ Params: { activity_id: string } }>(
    '/v1/activities/:activity_id/fit',
    {
      ...auth,
      schema: {
        tags: ['data'],
        summary: 'The original FIT file of an activity',
        security,
        params: ActivityParams,
        produces: [FIT_CONTENT_TYPE],
        response: { 200: Type.String({ format: 'binary', description: FIT_CONTENT_TYPE }), ...problems(401, 404) },
      },
    },
    async (req, reply) => {
      const id = req.params.activity_id;
      const notFound = () => new ApiError(404, 'not_found', `No activity ${id} with a stored FIT file.`);
      if (!/^\d{1,20}$/.test(id)) throw notFound();
      const row = await findActivityFit(db, authOf(req).userId, id);
      if (!row?.fit_sha256) throw notFound();
      let file: Awaited<ReturnType<FitStore['open']>>;
      try {
        file = await opts.fitStore.open(row.fit_sha256);
      } catch {
        throw notFound();
      }
      return reply
        .type(FIT_CONTENT_TYPE)
        .header('content-length', String(file.size))
        .header('content-disposition', `attachment; filename="${id}.fit"`)
        .send(file.stream);
    },
  );

  app.get<{ Querystring: HealthQuery }>(
    '/v1/health/daily',
    {
      ...auth,
      schema: {
        tags: ['data'],
        summary: 'Daily health metrics, oldest first (days with data only)',
        security,
        querystring: HealthQuery,
        response: { 200: HealthDays, ...problems(400, 401) },
      },
    },
    async (req) => {
      realDay(req.query.since, 'since');
      realDay(req.query.until, 'until');
      return { days: await listHealthDays(db, authOf(req).userId, req.query.since, req.query.until) };
    },
  );

  app.get(
    '/v1/workouts',
    {
      ...auth,
      schema: { tags: ['data'], summary: 'Synced workouts', security, response: { 200: Workouts, ...problems(401) } },
    },
    async (req) => ({
      workouts: (await listWorkouts(db, authOf(req).userId)).map((w) => ({
        workout_id: w.workout_id,
        name: w.name,
        sport: w.sport,
        updated_at: w.garmin_updated_at,
      })),
    }),
  );
};

function num(v: number | null): number | null {
  return v === null || v === undefined ? null : Number(v);
}

function decodeCursor(c: string): { startMs: number; activityId: string } {
  try {
    const v = JSON.parse(Buffer.from(c, 'base64url').toString('utf8')) as unknown;
    if (Array.isArray(v) && v.length === 2 && Number.isSafeInteger(v[0]) && typeof v[1] === 'string' && /^\d{1,20}$/.test(v[1])) {
      return { startMs: v[0] as number, activityId: v[1] };
    }
  } catch {
    // fall through
  }
  throw validation('cursor is not valid; pass next_cursor from a previous page.', 'querystring/cursor');
}
