import type { RunningSim, ZipEntryOptions } from '@fitsync/garmin-sim';
import { zipBuffer } from '@fitsync/garmin-sim';

/** FIT CRC-16 (FIT protocol, "CRC" section). */
function fitCrc(bytes: Uint8Array): number {
  const t = [0x0000, 0xcc01, 0xd801, 0x1400, 0xf001, 0x3c00, 0x2800, 0xe401, 0xa001, 0x6c00, 0x7800, 0xb401, 0x5000, 0x9c01, 0x8801, 0x4400];
  let crc = 0;
  for (const b of bytes) {
    let tmp = t[crc & 0xf]!;
    crc = (crc >> 4) & 0x0fff;
    crc = crc ^ tmp ^ t[b & 0xf]!;
    tmp = t[crc & 0xf]!;
    crc = (crc >> 4) & 0x0fff;
    crc = crc ^ tmp ^ t[(b >> 4) & 0xf]!;
  }
  return crc;
}

/**
 * A minimal FIT file: a file_id of `fileType` and, when `session` is given, one session message
 * (start_time when `startMs` is set, total_timer_time always). What the peek reads, no more:
 * monitoring files and sessions without a start (garmin-grafana #256) for the skip rules.
 */
export function tinyFit(fileType: number, session?: { startMs?: number; timerS: number }): Buffer {
  const body: number[] = [];
  // definition, local 0: file_id (0), one field: type (0), 1 byte, enum
  body.push(0x40, 0, 0, 0, 0, 1, 0, 1, 0x00);
  body.push(0x00, fileType);
  if (session) {
    const fields: [number, number][] = [[8, Math.round(session.timerS * 1000)]];
    if (session.startMs !== undefined) fields.unshift([2, Math.round(session.startMs / 1000) - 631_065_600]);
    body.push(0x41, 0, 0, 18, 0, fields.length);
    for (const [num] of fields) body.push(num, 4, 0x86);
    body.push(0x01);
    for (const [, v] of fields) body.push(v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff);
  }
  const header = Buffer.alloc(12);
  header[0] = 12;
  header[1] = 0x20;
  header.writeUInt16LE(2132, 2);
  header.writeUInt32LE(body.length, 4);
  header.write('.FIT', 8, 'latin1');
  const data = Buffer.concat([header, Buffer.from(body)]);
  const crc = Buffer.alloc(2);
  crc.writeUInt16LE(fitCrc(data), 0);
  return Buffer.concat([data, crc]);
}

/** An activity of a sim account in the export's summary shape and units (garmin-export.md §2). */
export interface SimExportActivity {
  id: string;
  startMs: number;
  fit: Buffer;
  /** The summary item as JSON text (the id as an exact number literal). */
  json: string;
  /** What the import must store: metres, seconds. */
  distanceM: number;
  durationS: number;
}

/** The sim account's activities as the export describes them (units: ms, cm, cm/ms). */
export function simExportActivities(sim: RunningSim, email: string): SimExportActivity[] {
  const user = sim.state.user(email);
  if (!user) throw new Error('no such sim user');
  return user.activities.map((a) => {
    const t = user.totals(a);
    const s = a.seed;
    const item = {
      activityId: '@ID@',
      name: `Simtown ${s.sport.label}`,
      activityType: s.sport.typeKey,
      sportType: 'GENERIC',
      userProfileId: user.profileId,
      beginTimestamp: s.startS * 1000,
      startTimeGmt: s.startS * 1000,
      startTimeLocal: (s.startS + user.tz.offsetS) * 1000,
      duration: t.timerMs,
      elapsedDuration: t.elapsedMs,
      distance: t.distanceCm,
      avgSpeed: t.avgSpeedMms / 10_000,
      avgHr: t.avgHr,
      maxHr: t.maxHr,
      calories: t.calories,
      parent: false,
    };
    return {
      id: s.idText,
      startMs: s.startS * 1000,
      fit: user.fit(a),
      json: JSON.stringify(item).replace('"@ID@"', s.idText),
      distanceM: t.distanceCm / 100,
      durationS: t.timerMs / 1000,
    };
  });
}

export interface ExportLayout {
  /** Where the FIT part zips sit: 2018's DI-Connect-Fitness or today's DI-Connect-Uploaded-Files. */
  fitFolder?: 'DI-Connect-Uploaded-Files' | 'DI-Connect-Fitness';
  /** How many UploadedFiles parts the FIT files are spread over (round robin). */
  parts?: number;
  /** Compression of the part zips inside the outer archive (alternates when 'mixed'). */
  partMethod?: 'store' | 'deflate' | 'mixed';
  /** Extra FIT files put in the first part (monitoring files, files without a summary). */
  extraFits?: Buffer[];
  /** Summary items (JSON text) added to the summaries, e.g. manual activities or a multisport parent. */
  extraSummaries?: string[];
  /** Activities whose summary is left out (their FIT then matches nothing). */
  withoutSummary?: readonly string[];
  /** Activities whose FIT is left out. */
  withoutFit?: readonly string[];
  /** More members of the outer archive. */
  extraMembers?: { name: string; data: Uint8Array; opts?: ZipEntryOptions }[];
  /** Summary items per summaries file (several part files when smaller than the count). */
  summariesPerFile?: number;
}

/** An archive in Garmin's export layout (garmin-export.md §1) built from `activities`. */
export async function buildExport(activities: readonly SimExportActivity[], layout: ExportLayout = {}): Promise<Buffer> {
  const folder = layout.fitFolder ?? 'DI-Connect-Uploaded-Files';
  const nParts = Math.max(1, layout.parts ?? 1);
  const parts: { name: string; data: Uint8Array }[][] = Array.from({ length: nParts }, () => []);
  let k = 0;
  for (const a of activities) {
    if (layout.withoutFit?.includes(a.id)) continue;
    parts[k % nParts]!.push({ name: `someone@example.com_${1000 + k}.fit`, data: a.fit });
    k++;
  }
  for (const f of layout.extraFits ?? []) parts[0]!.push({ name: `someone@example.com_${1000 + k++}.fit`, data: f });
  const summaries = activities.filter((a) => !layout.withoutSummary?.includes(a.id)).map((a) => a.json);
  summaries.push(...(layout.extraSummaries ?? []));
  const per = layout.summariesPerFile ?? Math.max(1, summaries.length);
  const members: { name: string; data: Uint8Array; opts?: ZipEntryOptions }[] = [
    { name: 'DI_CONNECT/DI-Connect-User/user_profile.json', data: Buffer.from('[{"firstName":"Some"}]') },
  ];
  for (let i = 0; i * per < Math.max(1, summaries.length); i++) {
    const text = `[{"summarizedActivitiesExport": [${summaries.slice(i * per, (i + 1) * per).join(',')}]}]`;
    const suffix = i === 0 ? '' : `_part${i + 1}`;
    members.push({ name: `DI_CONNECT/DI-Connect-Fitness/someone_summarizedActivities${suffix}.json`, data: Buffer.from(text) });
  }
  for (const [i, p] of parts.entries()) {
    const method = layout.partMethod === 'mixed' ? (i % 2 === 0 ? 'store' : 'deflate') : (layout.partMethod ?? 'store');
    members.push({ name: `DI_CONNECT/${folder}/UploadedFiles_0-_Part${i + 1}.zip`, data: await zipBuffer(p), opts: { method } });
  }
  members.push(...(layout.extraMembers ?? []));
  return zipBuffer(members);
}
