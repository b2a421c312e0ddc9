import { GearList, PersonalRecords } from '@fitsync/api';
import type { FastifyPluginAsync } from 'fastify';
import { authOf } from '../app-deps.js';
import { problems } from '../http/schemas.js';
import type { GearService } from '../services/gear-service.js';

export interface GearRoutesOptions {
  gear: GearService;
}

/** Gear and personal records, synced with activities (product.md Part 2 §C). */
export const gearRoutes: FastifyPluginAsync<GearRoutesOptions> = async (app, opts) => {
  const { gear } = opts;
  const auth = { onRequest: app.requireAuth };
  const security = [{ bearer: [] }];

  app.get(
    '/v1/gear',
    {
      ...auth,
      schema: {
        tags: ['data'],
        summary: 'Shoes, bikes and other gear, with their totals',
        description:
          'As Garmin lists them at the last sync that fetched them (synced with activities). Totals are null when Garmin ' +
          'keeps none (retired gear).',
        security,
        response: { 200: GearList, ...problems(401) },
      },
    },
    (req) => gear.gear(authOf(req).userId),
  );

  app.get(
    '/v1/records',
    {
      ...auth,
      schema: {
        tags: ['data'],
        summary: 'Personal records',
        description:
          "As Garmin holds them at the last sync that fetched them. `type_id` is Garmin's; `label` and `unit` say what it " +
          'is understood to mean (null when not understood). `activity_id` is null for records not tied to an activity.',
        security,
        response: { 200: PersonalRecords, ...problems(401) },
      },
    },
    (req) => gear.records(authOf(req).userId),
  );
};
