import { stringifyJson } from '../codec/json.js';
import { type ZipSink, ZipWriter } from '../codec/zip.js';
import type { SimUser } from '../data/user.js';
import { accountMembers, personalDataMembers } from './account-files.js';
import { exportActivityItem } from './activity-summaries.js';
import { healthMembers } from './health-files.js';
import { uploadedFileBytes, uploadedFiles } from './uploaded-files.js';

export interface ExportOptions {
  /** Files the activity summaries are split into (default 1). */
  summaryParts?: number;
  /** FIT files per `UploadedFiles_0-_Part<N>.zip` (default 1000). */
  filesPerPart?: number;
  /** How the part zips are kept in the outer archive (default store, as Garmin's are). */
  nested?: 'store' | 'deflate';
  /** '2018' puts the part zips under DI-Connect-Fitness, as older exports did (garmin-export.md §1). */
  layout?: 'current' | '2018';
}

// Level 1: a third of the default's CPU for nearly the same size (the FIT files are most of the bytes).
const FIT_MEMBER = { level: 1 } as const;

export const EXPORT_LIMITS = { summaryParts: 100, filesPerPart: 20000 } as const;

/**
 * Writes the account's "Export your data" archive (garmin-export.md §1, §8) to `sink`, member by
 * member: every byte comes from the data the sim's API serves (same activity ids, the FIT files'
 * original bytes, the same day models), in the export's names and units. Deterministic: the same
 * account and options give the same bytes. At most one FIT file and one chunk of days are held at
 * a time; the sink is awaited, so a slow reader slows the writer down instead of filling memory.
 */
export async function writeExport(user: SimUser, sink: ZipSink, options: ExportOptions = {}): Promise<void> {
  const summaryParts = options.summaryParts ?? 1;
  const filesPerPart = options.filesPerPart ?? 1000;
  const zip = new ZipWriter(sink);
  const who = user.email;

  const acts = user.activities;
  const per = Math.max(1, Math.ceil(acts.length / summaryParts));
  for (let p = 0; p === 0 || p * per < acts.length; p++) {
    const items = acts.slice(p * per, (p + 1) * per).map((a) => exportActivityItem(user, a));
    const name = summaryParts === 1 ? `${who}_summarizedActivities.json` : `${who}_${p}_summarizedActivities.json`;
    await zip.add(`DI_CONNECT/DI-Connect-Fitness/${name}`, Buffer.from(stringifyJson([{ summarizedActivitiesExport: items }])));
  }

  const files = uploadedFiles(user);
  const dir = options.layout === '2018' ? 'DI_CONNECT/DI-Connect-Fitness' : 'DI_CONNECT/DI-Connect-Uploaded-Files';
  for (let part = 0; part * filesPerPart < files.length; part++) {
    const outer = await zip.begin(`${dir}/UploadedFiles_0-_Part${part + 1}.zip`, { method: options.nested === 'deflate' ? 'deflate' : 'store' });
    const inner = new ZipWriter(outer.write);
    for (const f of files.slice(part * filesPerPart, (part + 1) * filesPerPart)) await inner.add(f.name, uploadedFileBytes(user, f), FIT_MEMBER);
    await inner.finish();
    await outer.end();
  }

  for (const m of healthMembers(user)) await zip.add(m.name, Buffer.from(m.text));
  // After the health files: the personal records read the days' truth, which that pass remembered.
  for (const m of accountMembers(user)) await zip.add(m.name, Buffer.from(m.text));
  for (const m of personalDataMembers(user)) await zip.add(m.name, Buffer.from(m.text));
  await zip.finish();
}
