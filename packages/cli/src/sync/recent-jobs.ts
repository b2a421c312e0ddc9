import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SyncJob } from '@fitsync/api';
import { isJobId } from '@fitsync/api/rules';
import { ensureConfigDir } from '../credentials/config-dir.js';
import type { Deps } from '../factory.js';

/** How many job ids shell completion offers: the ones a person may still want to follow or cancel. */
export const MAX_RECENT_JOBS = 20;

/** What completion shows of a job: its id and a short description. */
export interface RecentJob {
  job_id: string;
  status: string;
  sync_type: string;
  created_at: string;
}

/** Per profile: profiles may point at different servers, whose job ids mean nothing to each other. */
function cachePath(configDir: string, profile: string): string {
  return join(configDir, `recent-jobs.${profile}.json`);
}

const WORD = /^[A-Za-z0-9._:+-]{1,64}$/;

/** One stored entry, or undefined when the file was edited into something else (it is only a cache). */
function asRecentJob(v: unknown): RecentJob | undefined {
  if (typeof v !== 'object' || v === null) return undefined;
  const r = v as Record<string, unknown>;
  const ok = (x: unknown): x is string => typeof x === 'string' && WORD.test(x);
  // The ids reach a shell's completion list: only the job id alphabet may pass.
  if (typeof r.job_id !== 'string' || !isJobId(r.job_id) || !ok(r.status) || !ok(r.sync_type) || !ok(r.created_at)) return undefined;
  return { job_id: r.job_id, status: r.status, sync_type: r.sync_type, created_at: r.created_at };
}

/** The cached jobs of a profile, newest first; empty when there is no (usable) cache. */
export function readRecentJobs(configDir: string, profile: string): RecentJob[] {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(cachePath(configDir, profile), 'utf8'));
  } catch {
    return [];
  }
  if (!Array.isArray(raw)) return [];
  return raw.map(asRecentJob).filter((j): j is RecentJob => j !== undefined).slice(0, MAX_RECENT_JOBS);
}

/**
 * Adds jobs a command has just fetched to the profile's cache of recent jobs, which
 * `fitsync __complete jobs` reads so completion offers job ids without a network call.
 * A cache: any failure only logs (with -v) and never fails the command.
 */
export function rememberJobs(deps: Pick<Deps, 'globals' | 'debug'>, jobs: readonly SyncJob[]): void {
  if (jobs.length === 0) return;
  const { configDir, profile } = deps.globals;
  try {
    const fresh = jobs.map((j) => asRecentJob(j)).filter((j): j is RecentJob => j !== undefined);
    const stored = readRecentJobs(configDir, profile);
    const byId = new Map<string, RecentJob>();
    for (const j of [...fresh, ...stored]) if (!byId.has(j.job_id)) byId.set(j.job_id, j);
    // ISO 8601 UTC times sort as strings.
    const keep = [...byId.values()].sort((a, b) => (a.created_at < b.created_at ? 1 : a.created_at > b.created_at ? -1 : 0)).slice(0, MAX_RECENT_JOBS);
    // `sync status` of the same job again changes nothing: no write on that everyday path.
    if (JSON.stringify(keep) === JSON.stringify(stored)) return;
    ensureConfigDir(configDir);
    const path = cachePath(configDir, profile);
    const tmp = `${path}.${process.pid}.tmp`;
    writeFileSync(tmp, `${JSON.stringify(keep)}\n`, { mode: 0o600 });
    renameSync(tmp, path);
  } catch (err) {
    deps.debug(`* could not update the recent jobs cache: ${(err as Error).message}`);
  }
}
