// Activity decoding benchmarks (run by `npm run bench` through tsx; alone:
// `node --import tsx scripts/bench/decode-store.ts`). On the FIT files of the sim's activities
// (FITSYNC_BENCH_DECODE_ACTIVITIES, default 400, every sport the sim makes):
// 1. decode + store throughput in records per second — the server's decodeFit (SDK decode, record
//    columns, records codec) and writing the decoded rows to SQLite in transactions of 50, as the
//    sync does — vs the official SDK's decode alone of the same files (the floor), same run:
//    target ≥ 0.6. FITSYNC_BENCH_DECODE_RUNS (5) pairs, interleaved, median of the per-pair ratios.
// 2. Bytes per stored record point (the records blobs over the records they hold): target ≤ 16.
// Prints PASS/MISS lines and one JSON line; exits non-zero only on errors.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSim } from '@fitsync/garmin-sim';
import { Decoder, Stream } from '@garmin/fitsdk';
import { decodeFit } from '../../packages/server/src/activities/fit-decode.js';
import { encodeRecords, decodeRecords } from '../../packages/server/src/activities/records-codec.js';
import { migrate } from '../../packages/server/src/db/migrate.js';
import { openDatabase } from '../../packages/server/src/db/open-database.js';
import { type DecodedRow, upsertDecoded } from '../../packages/server/src/repositories/activity-decoded.js';
import { upsertActivities } from '../../packages/server/src/repositories/activity-rows.js';

const ACTIVITIES = Number(process.env.FITSYNC_BENCH_DECODE_ACTIVITIES ?? 400);
const RUNS = Number(process.env.FITSYNC_BENCH_DECODE_RUNS ?? 5);
/** Decoded rows per transaction: the sync's batch writer commits up to 100 items at a time. */
const BATCH = 50;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

const line = (ok: boolean, text: string) => process.stdout.write(`${ok ? 'PASS' : 'MISS'}  ${text}\n`);

/** The FIT files of a sim account, with their ids and hashes. */
async function simFiles(n: number): Promise<{ id: string; sha: string; bytes: Buffer }[]> {
  const sim = await startSim({ seed: 'bench-decode' });
  try {
    sim.createUser({ email: 'decode@example.com', password: 'pw', activities: n, days: 0 });
    const user = sim.state.users.get('decode@example.com')!;
    return sim.truth('decode@example.com').activities.map((a) => ({ id: a.activity_id, sha: a.fit_sha256, bytes: user.fit(user.find(a.activity_id)!) }));
  } finally {
    await sim.close();
  }
}

async function main(): Promise<void> {
  if (!Number.isInteger(RUNS) || RUNS < 1) throw new Error(`decode runs must be a positive integer, not ${RUNS}`);
  const files = await simFiles(ACTIVITIES);
  const dir = mkdtempSync(join(tmpdir(), 'fitsync-bench-decode-'));
  const db = await openDatabase(undefined, dir);
  try {
    await migrate(db);
    await db.run("INSERT INTO users (id, username, password_hash, created_at) VALUES ('bench', 'bench', 'x', 0)");
    await db.transaction((tx) =>
      upsertActivities(
        tx,
        'bench',
        files.map((f, i) => ({
          activityId: f.id,
          name: null,
          activityType: null,
          startTime: new Date(i * 1000).toISOString(),
          startMs: i * 1000,
          durationS: null,
          distanceM: null,
          calories: null,
          avgHr: null,
          fitSha256: f.sha,
          fitSize: f.bytes.length,
          summaryHash: 'h',
          summaryJson: '{}',
        })),
        0,
      ),
    );

    let records = 0;
    const floor = () => {
      const t = performance.now();
      let n = 0;
      for (const f of files) n += (new Decoder(Stream.fromBuffer(f.bytes)).read().messages.recordMesgs ?? []).length;
      records = n;
      return performance.now() - t;
    };
    let blobBytes = 0;
    let points = 0;
    const candidate = async () => {
      const t = performance.now();
      blobBytes = 0;
      points = 0;
      for (let i = 0; i < files.length; i += BATCH) {
        const rows: DecodedRow[] = files.slice(i, i + BATCH).map((f) => ({ activityId: f.id, fitSha256: f.sha, decoded: decodeFit(f.bytes) }));
        for (const r of rows) {
          if (r.decoded.error) throw new Error(`activity ${r.activityId}: ${r.decoded.error}`);
          blobBytes += r.decoded.records!.length;
          points += r.decoded.recordCount!;
        }
        await db.transaction((tx) => upsertDecoded(tx, 'bench', rows));
      }
      return performance.now() - t;
    };
    floor();
    await candidate();
    const floors: number[] = [];
    const cands: number[] = [];
    const ratios: number[] = [];
    for (let r = 0; r < RUNS; r++) {
      const f = floor();
      const c = await candidate();
      floors.push(f);
      cands.push(c);
      ratios.push(f / c);
    }
    if (points !== records) throw new Error(`decodeFit kept ${points} records, the SDK decoded ${records}`);
    const ratio = median(ratios);
    const floorRate = records / (median(floors) / 1000);
    const candRate = records / (median(cands) / 1000);
    line(
      ratio >= 0.6,
      `decode + store: ${candRate.toFixed(0)} records/s vs the SDK's decode alone ${floorRate.toFixed(0)} records/s (${files.length} files, ${records} records); ratio ${ratio.toFixed(2)} (median of ${ratios.map((x) => x.toFixed(2)).join(' ')}; target ≥ 0.60)`,
    );
    const bpp = blobBytes / points;
    // The same columns without deflate: what the delta/varint layout alone gives.
    let plainBytes = 0;
    for (const f of files) {
      const d = decodeFit(f.bytes);
      plainBytes += encodeRecords(decodeRecords(d.records!).columns, d.recordCount!, { deflate: false }).length;
    }
    line(bpp <= 16, `records storage: ${points} points in ${blobBytes} bytes = ${bpp.toFixed(2)} bytes per point (${(plainBytes / points).toFixed(2)} without deflate; target ≤ 16)`);
    process.stdout.write(
      `${JSON.stringify({ files: files.length, records, decodeStoreRecordsPerS: candRate, sdkRecordsPerS: floorRate, throughputRatio: ratio, throughputRatios: ratios, bytesPerPoint: bpp, bytesPerPointNoDeflate: plainBytes / points })}\n`,
    );
  } finally {
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  process.stderr.write(`bench decode: ${err instanceof Error ? err.message : err}\n`);
  process.exitCode = 1;
});
