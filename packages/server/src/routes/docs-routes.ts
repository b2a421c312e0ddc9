import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';

interface OpenApiDoc {
  info?: { title?: string; version?: string };
  paths?: Record<string, Record<string, { summary?: string; tags?: string[]; responses?: Record<string, unknown> }>>;
}

/** GET /openapi.json (OpenAPI 3.1 from the route schemas) and GET /docs (a self-contained HTML page). */
export const docsRoutes: FastifyPluginAsync = async (app) => {
  app.get(
    '/openapi.json',
    {
      schema: {
        hide: true,
        response: { 200: Type.Object({}, { additionalProperties: true, description: 'OpenAPI 3.1 document' }) },
      },
    },
    async () => app.swagger(),
  );

  app.get(
    '/docs',
    { schema: { hide: true, response: { 200: Type.String({ description: 'text/html' }) } } },
    async (_req, reply) => reply.type('text/html; charset=utf-8').send(renderDocs(app.swagger() as OpenApiDoc)),
  );
};

/** Renders the endpoint list server-side: no scripts, no CDN, works offline. */
export function renderDocs(doc: OpenApiDoc): string {
  const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
  const rows: string[] = [];
  for (const [path, ops] of Object.entries(doc.paths ?? {})) {
    for (const [method, op] of Object.entries(ops)) {
      const statuses = Object.keys(op.responses ?? {}).join(' ');
      rows.push(
        `<tr><td class="m">${esc(method.toUpperCase())}</td><td><code>${esc(path)}</code></td><td>${esc(op.summary ?? '')}</td><td>${esc(statuses)}</td></tr>`,
      );
    }
  }
  const title = `${doc.info?.title ?? 'API'} ${doc.info?.version ?? ''}`.trim();
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(title)}</title>
<style>body{font-family:system-ui,sans-serif;margin:2rem;max-width:70rem}table{border-collapse:collapse;width:100%}
td,th{border-bottom:1px solid #ddd;padding:.4rem;text-align:left}.m{font-weight:bold}</style></head>
<body><h1>${esc(title)}</h1><p>Machine-readable: <a href="/openapi.json">/openapi.json</a> (OpenAPI 3.1). Errors are
<code>application/problem+json</code> (RFC 9457) with a stable <code>code</code>.</p>
<table><thead><tr><th>Method</th><th>Path</th><th>Summary</th><th>Responses</th></tr></thead><tbody>
${rows.join('\n')}
</tbody></table></body></html>
`;
}
