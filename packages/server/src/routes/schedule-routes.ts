import { PutSyncScheduleBody, SyncSchedule } from '@fitsync/api';
import type { FastifyPluginAsync } from 'fastify';
import { authOf } from '../app-deps.js';
import { NoContent, problems } from '../http/schemas.js';
import type { SyncScheduleService } from '../services/sync-schedule-service.js';

export interface ScheduleRoutesOptions {
  schedules: SyncScheduleService;
}

/** /v1/sync/schedule: thin adapters over SyncScheduleService. */
export const scheduleRoutes: FastifyPluginAsync<ScheduleRoutesOptions> = async (app, { schedules }) => {
  const auth = { onRequest: app.requireAuth };
  const security = [{ bearer: [] }];

  app.get(
    '/v1/sync/schedule',
    {
      ...auth,
      schema: {
        tags: ['sync'],
        summary: "Your automatic sync (every_s null when you never had one)",
        security,
        response: { 200: SyncSchedule, ...problems(401) },
      },
    },
    (req) => schedules.get(authOf(req).userId),
  );

  app.put<{ Body: PutSyncScheduleBody }>(
    '/v1/sync/schedule',
    {
      ...auth,
      schema: {
        tags: ['sync'],
        summary: 'Set and enable your automatic sync',
        description:
          'Runs an incremental sync of `sync_type` (default `all`) every `every_s` seconds, the first one interval from now. Each run is moved by a random delay of up to 10 % of the interval (at most 5 minutes); a run is skipped while one of your jobs is active or Garmin is not connected. `every_s` below the server minimum (FITSYNC_SCHEDULE_MIN_INTERVAL) is 422.',
        security,
        body: PutSyncScheduleBody,
        response: { 200: SyncSchedule, ...problems(400, 401, 422) },
      },
    },
    (req) => schedules.put(authOf(req).userId, req.body),
  );

  app.delete(
    '/v1/sync/schedule',
    {
      ...auth,
      schema: {
        tags: ['sync'],
        summary: 'Turn your automatic sync off (its interval and last run are kept)',
        security,
        response: { 204: NoContent, ...problems(401) },
      },
    },
    async (req, reply) => {
      await schedules.off(authOf(req).userId);
      return reply.code(204).send();
    },
  );
};
