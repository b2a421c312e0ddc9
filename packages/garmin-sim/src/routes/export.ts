import type { ServerResponse } from 'node:http';
import { EXPORT_LIMITS, type ExportOptions, writeExport } from '../export/write-export.js';
import { json, type RequestContext, type SimResponse } from '../http-util.js';
import type { SimState } from '../sim-state.js';

/** `GET /__sim/users/{email}/export.zip`: Garmin's data export of the account, streamed. */
export const EXPORT_PATH = /^\/__sim\/users\/([^/]+)\/export\.zip$/;
/** Its label in the stats' `sim_endpoints` (not a Garmin call: kept out of `total` and `by_*`). */
export const EXPORT_LABEL = '/__sim/users/{email}/export.zip';

const bad = (message: string): SimResponse => json(400, { error: 'bad_request', message });

function intQuery(q: URLSearchParams, name: string, max: number): number | undefined | string {
  const raw = q.get(name);
  if (raw === null) return undefined;
  if (!/^\d{1,6}$/.test(raw) || Number(raw) < 1 || Number(raw) > max) return `${name} must be an integer from 1 to ${max}`;
  return Number(raw);
}

/** Validates the query: `summary_parts`, `files_per_part`, `nested=store|deflate`, `layout=current|2018`. */
export function parseExportQuery(q: URLSearchParams): ExportOptions | string {
  for (const key of q.keys()) {
    if (!['summary_parts', 'files_per_part', 'nested', 'layout'].includes(key)) return `unknown query parameter ${key}`;
  }
  const summaryParts = intQuery(q, 'summary_parts', EXPORT_LIMITS.summaryParts);
  const filesPerPart = intQuery(q, 'files_per_part', EXPORT_LIMITS.filesPerPart);
  if (typeof summaryParts === 'string') return summaryParts;
  if (typeof filesPerPart === 'string') return filesPerPart;
  const nested = q.get('nested') ?? 'store';
  if (nested !== 'store' && nested !== 'deflate') return 'nested must be "store" or "deflate"';
  const layout = q.get('layout') ?? 'current';
  if (layout !== 'current' && layout !== '2018') return 'layout must be "current" or "2018"';
  return { ...(summaryParts ? { summaryParts } : {}), ...(filesPerPart ? { filesPerPart } : {}), nested, layout };
}

/**
 * Answers the export route: an error as a whole answer, or the archive as a chunked stream written
 * while it is built (writes wait for the socket to drain; a client that leaves stops the build).
 * Returns the status for the stats.
 */
export async function answerExport(
  sim: SimState,
  ctx: RequestContext,
  res: ServerResponse,
  encodedEmail: string,
  write: (r: SimResponse) => void,
): Promise<string> {
  const fail = (r: SimResponse) => {
    write(r);
    return String(r.status);
  };
  if (ctx.method !== 'GET') return fail(json(405, { error: 'method_not_allowed', message: `${ctx.method} not allowed here` }));
  let email: string;
  try {
    email = decodeURIComponent(encodedEmail);
  } catch {
    return fail(bad('bad e-mail in path'));
  }
  const user = sim.user(email);
  if (!user) return fail(json(404, { error: 'not_found', message: 'no such user' }));
  const options = parseExportQuery(ctx.query);
  if (typeof options === 'string') return fail(bad(options));

  res.writeHead(200, {
    'content-type': 'application/zip',
    'content-disposition': `attachment; filename="${user.guid}_1.zip"`,
  });
  let gone = false;
  res.once('close', () => {
    gone = true;
  });
  try {
    await writeExport(
      user,
      async (chunk) => {
        if (gone) throw new Error('client closed the connection');
        if (!res.write(chunk)) {
          await new Promise<void>((resolve) => {
            const done = () => {
              res.off('drain', done);
              res.off('close', done);
              resolve();
            };
            res.on('drain', done);
            res.on('close', done);
          });
        }
      },
      options,
    );
  } catch {
    // Headers are out: the only way left to say "failed" is to cut the stream short.
    res.destroy();
    return gone ? 'aborted' : 'failed';
  }
  res.end();
  return '200';
}
