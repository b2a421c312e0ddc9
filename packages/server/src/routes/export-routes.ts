import { ActivityExportQuery, ActivityIdParams, EXPORT_MEDIA, EXPORT_FORMATS } from '@fitsync/api';
import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import { authOf } from '../app-deps.js';
import type { ActivityExporter } from '../export/activity-exporter.js';
import { problems } from '../http/schemas.js';

export interface ExportRoutesOptions {
  exporter: ActivityExporter;
}

/** `GET /v1/activities/{id}/export?format=gpx|tcx|csv|fit` (product.md Part 2 §C). */
export const exportRoutes: FastifyPluginAsync<ExportRoutesOptions> = async (app, opts) => {
  const produces = [...new Set(EXPORT_FORMATS.map((f) => EXPORT_MEDIA[f].type))];
  app.get<{ Params: ActivityIdParams; Querystring: ActivityExportQuery }>(
    '/v1/activities/:activity_id/export',
    {
      onRequest: app.requireAuth,
      schema: {
        tags: ['data'],
        summary: 'An activity as GPX 1.1, TCX v2, CSV of its records, or its original FIT file',
        description:
          'An attachment named `<id>.<ext>`. 422 `decode_error` when the FIT file could not be decoded (format=fit ' +
          'still serves it); 422 `nothing_to_export` for an activity without records, or GPX of one without positions.',
        security: [{ bearer: [] }],
        params: ActivityIdParams,
        querystring: ActivityExportQuery,
        produces,
        response: { 200: Type.String({ format: 'binary', description: produces.join(', ') }), ...problems(400, 401, 404, 422) },
      },
    },
    async (req, reply) => {
      const out = await opts.exporter.export(authOf(req).userId, req.params.activity_id, req.query.format);
      reply.type(out.type).header('content-disposition', `attachment; filename="${out.filename}"`);
      if (out.size !== undefined) reply.header('content-length', String(out.size));
      return reply.send(out.body);
    },
  );
};
