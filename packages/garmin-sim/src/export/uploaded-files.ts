import { encodeMonitoringFit } from '../codec/fit.js';
import { hashSeed, Prng } from '../prng.js';
import type { SimUser } from '../data/user.js';

/** One member of the uploaded-files parts: an activity's original FIT, or a monitoring file. */
export interface UploadedFile {
  name: string;
  kind: 'activity' | 'monitoring';
  /** Activity: index in `user.activities`; monitoring: the unix second its 10 days start. */
  ref: number;
}

/** A watch uploads a monitoring file every day; the sim writes one per this many days of history. */
export const MONITORING_EVERY_DAYS = 10;

/**
 * Every file of the uploaded-files parts, in archive order: the activities' FITs mixed with
 * monitoring files, shuffled (seeded) so the order says nothing about the activities', and named
 * `<email>_<number>.fit` with upload numbers that are not activity ids (garmin-export.md §3).
 * Only names and references: the bytes are made one file at a time while the part is written.
 */
export function uploadedFiles(user: SimUser): UploadedFile[] {
  const files: Array<Omit<UploadedFile, 'name'>> = user.activities.map((_, i) => ({ kind: 'activity', ref: i }));
  const firstS = user.createdAtS - user.days * 86400;
  for (let k = 0; k * MONITORING_EVERY_DAYS < user.days; k++) files.push({ kind: 'monitoring', ref: firstS + k * MONITORING_EVERY_DAYS * 86400 });
  const rng = new Prng(hashSeed(user.seed, 'uploaded-files'));
  for (let i = files.length - 1; i > 0; i--) {
    const j = rng.int(0, i);
    [files[i], files[j]] = [files[j]!, files[i]!];
  }
  let number = 100_000_000 + rng.int(0, 9_999_999);
  return files.map((f) => {
    number += rng.int(1, 40);
    return { ...f, name: `${user.email}_${number}.fit` };
  });
}

/** The bytes of one uploaded file: the activity's original FIT (its truth's sha256), or a monitoring log. */
export function uploadedFileBytes(user: SimUser, f: UploadedFile): Buffer {
  if (f.kind === 'activity') return user.fit(user.activities[f.ref]!);
  const rng = new Prng(hashSeed(user.seed, 'monitoring', f.ref));
  const samples: Array<[number, number, number]> = [];
  for (let t = f.ref; t < f.ref + 86400; t += 900) samples.push([t, rng.int(0, 600), rng.int(48, 110)]);
  return encodeMonitoringFit(user.deviceId, 3113, f.ref, samples);
}
