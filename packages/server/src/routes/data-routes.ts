import {
  ActivityDetail,
  ActivityIdParams,
  ActivityList,
  ActivityListQuery,
  ActivityRecords,
  ActivityRecordsQuery,
  HealthDays,
  HealthQuery,
  HealthSeries,
  HealthSeriesParams,
  HealthSeriesQuery,
  WeightEntries,
  Workouts,
} from '@fitsync/api';
import { FIT_CONTENT_TYPE } from '@fitsync/api/codes';
import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import type { ActivityReader } from '../activities/activity-reader.js';
import { parseRecordFields } from '../activities/activity-store.js';
import { authOf } from '../app-deps.js';
import { ApiError } from '../http/api-error.js';
import { problems } from '../http/schemas.js';
import type { DataService } from '../services/data-service.js';
import type { FitBlobs } from '../blobs/blob-store.js';

const ActivityParams = Type.Object({ activity_id: Type.String({ minLength: 1, maxLength: 20 }) });

export interface DataRoutesOptions {
  fitStore: FitBlobs;
  data: DataService;
  activities: ActivityReader;
}

/** The synced data: activities (with their original FIT files), daily health, workouts. */
export const dataRoutes: FastifyPluginAsync<DataRoutesOptions> = async (app, opts) => {
  const { data } = opts;
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
    (req) => data.activities(authOf(req).userId, req.query),
  );

  app.get<{ Params: ActivityIdParams }>(
    '/v1/activities/:activity_id',
    {
      ...auth,
      schema: {
        tags: ['data'],
        summary: 'One activity with what its FIT file holds: sport, device, laps',
        description: 'Decoded in the sync; `record_count` is null and `laps` empty while the file is not decoded (see `decode_error`).',
        security,
        params: ActivityIdParams,
        response: { 200: ActivityDetail, ...problems(400, 401, 404) },
      },
    },
    (req) => opts.activities.detail(authOf(req).userId, req.params.activity_id),
  );

  app.get<{ Params: ActivityIdParams; Querystring: ActivityRecordsQuery }>(
    '/v1/activities/:activity_id/records',
    {
      ...auth,
      schema: {
        tags: ['data'],
        summary: "The activity's record points, oldest first",
        description:
          '`fields` picks and orders the columns (default all). Values are the FIT SDK\'s after its own scaling; ' +
          '`lat`/`lon` in degrees, `time` epoch ms; null where a record has no value. 422 `decode_error` when the FIT file could not be decoded.',
        security,
        params: ActivityIdParams,
        querystring: ActivityRecordsQuery,
        response: { 200: ActivityRecords, ...problems(400, 401, 404, 422) },
      },
    },
    (req) => opts.activities.records(authOf(req).userId, req.params.activity_id, parseRecordFields(req.query.fields)),
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
      const sha256 = await data.fitOf(authOf(req).userId, id);
      let file: Awaited<ReturnType<FitBlobs['open']>>;
      try {
        file = await opts.fitStore.open(sha256);
      } catch {
        throw new ApiError(404, 'not_found', `No activity ${id} with a stored FIT file.`);
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
    (req) => data.healthDays(authOf(req).userId, req.query),
  );

  app.get<{ Params: HealthSeriesParams; Querystring: HealthSeriesQuery }>(
    '/v1/health/series/:metric',
    {
      ...auth,
      schema: {
        tags: ['data'],
        summary: 'One day of an intraday series',
        description:
          '`points` are `[epoch_ms, value]`, oldest first. Without `date`: the latest day with points of the metric ' +
          '(`date` null when there is none). A day without points: `points: []`.',
        security,
        params: HealthSeriesParams,
        querystring: HealthSeriesQuery,
        response: { 200: HealthSeries, ...problems(400, 401) },
      },
    },
    (req) => data.healthSeries(authOf(req).userId, req.params.metric, req.query.date),
  );

  app.get<{ Querystring: HealthQuery }>(
    '/v1/health/weight',
    {
      ...auth,
      schema: {
        tags: ['data'],
        summary: 'Every weigh-in with its body composition, oldest first',
        description: '`since`/`until` are calendar dates (as Garmin reports them), inclusive.',
        security,
        querystring: HealthQuery,
        response: { 200: WeightEntries, ...problems(400, 401) },
      },
    },
    (req) => data.weights(authOf(req).userId, req.query),
  );

  app.get(
    '/v1/workouts',
    {
      ...auth,
      schema: { tags: ['data'], summary: 'Synced workouts', security, response: { 200: Workouts, ...problems(401) } },
    },
    (req) => data.workouts(authOf(req).userId),
  );
};
