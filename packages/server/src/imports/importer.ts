import type { Runtime } from '@fitsync/runtime';
import type { Db, Queryable } from '../db/db.js';
import type { Log } from '../log.js';
import type { Histogram } from '../metrics.js';
import { timePhase } from '../sync/phase-timer.js';
import { type ActivityRecord, knownActivities, upsertActivities } from '../repositories/activity-rows.js';
import { setImportProgress } from '../repositories/imports.js';
import { getCursor, setCursor } from '../repositories/sync-cursors.js';
import { sideBySide, throwIfStopped } from '../sync/abortable.js';
import type { ByteSource, FitBlobs } from '../blobs/blob-store.js';
import type { Counts, Outcome } from '../sync/kind-counts.js';
import { type Archive, type ArchiveEntry, openArchive } from './archive/zip-archive.js';
import { agreeWithFit, type ExportActivity } from './export/activities.js';
import { FIT_FILE_ACTIVITY, type FitPeek, peekFit } from './export/fit-peek.js';
import { type ExportDayPart, parseHealthMember, storeExportDays } from './export/health.js';
import { storeWorkouts } from './export/workouts.js';
import { FitMatcher } from './fit-matcher.js';
import { type HealthSource, type ImportPlan, MAX_JSON_BYTES, planImport } from './import-plan.js';
import type { ImportState } from './import-state.js';

/**
 * A window of matched FIT files, stored together and committed in one transaction:
 * at most this many files or FIT_WINDOW_BYTES. Two windows are in memory at most (one read while
 * the other is stored): the memory bound of the FIT pass. Bigger windows mean fewer commits.
 */
export const FIT_WINDOW = 200;
export const FIT_WINDOW_BYTES = 16 * 1024 * 1024;
/** FIT members looked at per commit at most: skipped files' progress is saved too. */
const FIT_SCAN = 1024;
/** Largest FIT file read (activity files are a few MB; longer ones are not activities). */
export const MAX_FIT_BYTES = 64 * 1024 * 1024;
/** Summaries without a file per transaction. */
const SUMMARY_BATCH = 200;
/** Days per transaction: the health kind's chunk. */
export const HEALTH_CHUNK_DAYS = 28;

/** What the importer reports to its job (the job owner's reporter implements it). */
export interface ImportProgress {
  setTotal(kind: string, n: number): void;
  done(kind: string, outcome: Outcome, n?: number): void;
  step(what: string): void;
  phase(kind: string): void;
}

export interface ImportDeps {
  db: Db;
  runtime: Runtime;
  fitStore: FitBlobs;
  /** FIT files per window (one transaction); default FIT_WINDOW. */
  batchFiles?: number;
  log?: Log;
  /** fitsync_sync_phase_seconds: each step is timed as `import:<step>` (sync/phase-timer.ts). */
  phases?: Histogram;
}

export interface ImportTask {
  jobId: string;
  importId: string;
  userId: string;
  /** Opens the uploaded archive (the blob store's upload; the archive closes it). */
  openUpload: () => Promise<ByteSource>;
  scratchDir: string;
  /** The resume state (fresh for a first attempt); updated as batches commit. */
  state: ImportState;
  progress: ImportProgress;
  signal: AbortSignal;
}

interface FitCandidate {
  activity: ExportActivity;
  bytes: Buffer;
  peek: FitPeek;
}

/**
 * Imports one uploaded Garmin export: plans (every archive level opened, JSON read, totals set),
 * then commits FIT-backed activities, the other summaries, health days and workouts in batches,
 * each batch with the resume state that describes it, then moves the sync cursors forward.
 */
export async function runImport(d: ImportDeps, t: ImportTask): Promise<void> {
  const { progress } = t;
  // Fires with the job's signal, or when one of the phases running together failed (the other stops).
  const stop = new AbortController();
  const signal = AbortSignal.any([t.signal, stop.signal]);
  progress.step('opening the archive');
  const archive = await openArchive(await t.openUpload(), { tmpDir: t.scratchDir, signal });
  try {
    const timed = <T>(step: string, fn: () => Promise<T>) => timePhase(d.phases, d.runtime, `import:${step}`, fn);
    const plan = await timed('plan', () => planImport(archive, signal, (what) => progress.step(what)));
    t.state.stats.skippedSummaries = plan.summaryStats.skipped;
    t.state.stats.multisportParents = plan.summaryStats.multisportParents;
    t.state.stats.skippedEntries = plan.skippedEntries;
    progress.setTotal('activities', plan.activities.length);
    progress.setTotal('health', plan.days.length);
    progress.setTotal('workouts', plan.workouts.length);
    d.log?.info(
      {
        jobId: t.jobId,
        activities: plan.activities.length,
        fitMembers: plan.fitSources.reduce((n, s) => n + s.fits.length, 0),
        days: plan.days.length,
        workouts: plan.workouts.length,
        implausibleHealthValues: plan.droppedValues,
      },
      'import planned',
    );
    const run = new ImportRun(d, t, plan, signal);
    // The health days are stored beside the FIT pass, which mostly waits on the FIT store's durable
    // writes (thread pool, disk) while the days' parsing and derivation need the CPU. Each phase
    // commits its own part of the resume state, so either resumes where it stopped.
    const activities = new PhaseVoice(progress, true);
    const health = new PhaseVoice(progress, false);
    const voices = [activities, health];
    await sideBySide(
      [
        async () => {
          await timed('fits', () => run.fits(activities));
          await timed('summaries', () => run.summaries(activities));
          health.speak();
        },
        () => timed('health', () => run.health(health)),
      ],
      // The failing phase tells where the import was; the other stops.
      (i) => {
        for (const v of voices) if (v !== voices[i]) v.hush();
        voices[i]?.speak();
        stop.abort();
      },
    );
    await timed('workouts', () => run.workouts());
    await timed('cursors', () => run.cursors());
    if (plan.summaryStats.unitDisagreements > 0 || plan.summaryStats.implausible > 0) {
      d.log?.info(
        { jobId: t.jobId, unitDisagreements: plan.summaryStats.unitDisagreements, implausible: plan.summaryStats.implausible },
        'import: summary values re-read in other units or dropped',
      );
    }
  } finally {
    await archive.close();
  }
}

class ImportRun {
  private readonly st: ImportState;
  /** The resume state as last committed: a phase's commit replaces only its own fields in it. */
  private saved: ImportState;
  /** Commits take turns, so each one starts from the state the previous one committed. */
  private turn: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly d: ImportDeps,
    private readonly t: ImportTask,
    private readonly plan: ImportPlan,
    /** The job's signal, or the other phase's failure. */
    private readonly signal: AbortSignal,
  ) {
    this.st = t.state;
    this.saved = structuredClone(t.state);
  }

  /** The FIT pass's part of the resume state as it stands now, copied. */
  private fitPosition(): FitPosition {
    const { fitParts, fitDone, matched, stats } = this.st;
    return structuredClone({ fitParts, fitDone, matched, stats });
  }

  /**
   * Commits `write` with the resume state in one transaction, then reports the outcomes. `patch`:
   * the committing phase's fields of the state, as they stand after this batch (the FIT pass reads
   * the next window while one commits, so its position is taken before); the other phases' fields
   * stay as they last committed.
   */
  private commit(kind: string, write: (tx: Queryable) => Promise<Counts>, patch: Partial<ImportState>): Promise<void> {
    const mine = this.turn.then(() => this.commitNow(kind, write, patch));
    this.turn = mine.catch(() => {});
    return mine;
  }

  private async commitNow(kind: string, write: (tx: Queryable) => Promise<Counts>, patch: Partial<ImportState>): Promise<void> {
    const { db, runtime } = this.d;
    const st = this.st;
    let next: ImportState | null = null;
    const counts = await db.transaction(async (tx) => {
      const c = await write(tx);
      const saved = this.saved;
      const total = saved.counts[kind]!;
      next = {
        ...saved,
        ...patch,
        processed: saved.processed + c.new + c.updated + c.unchanged,
        counts: { ...saved.counts, [kind]: { new: total.new + c.new, updated: total.updated + c.updated, unchanged: total.unchanged + c.unchanged } },
      };
      await setImportProgress(tx, this.t.importId, JSON.stringify(next), runtime.now());
      return c;
    });
    this.saved = next!;
    const total = st.counts[kind]!;
    for (const o of ['new', 'updated', 'unchanged'] as const) {
      total[o] += counts[o];
      st.processed += counts[o];
      this.t.progress.done(kind, o, counts[o]);
    }
  }

  /**
   * FIT members of every nested archive: peeked, matched, stored with their activity. While one
   * window of matched files is stored, the next one is read (two windows at most).
   */
  async fits(progress: PhaseVoice): Promise<void> {
    if (this.st.fitDone) return;
    const { signal } = this;
    progress.phase('activities');
    const matcher = new FitMatcher(this.plan.activities, this.st.matched);
    let storing: Promise<void> | null = null;
    const flush = async (batch: FitCandidate[], key: string, next: number) => {
      this.st.fitParts[key] = next;
      this.st.stats.withFit += batch.length;
      const at = this.fitPosition();
      if (storing) await storing;
      storing = this.storeFits(batch, at);
      storing.catch(() => {}); // observed by the next flush or below
    };
    try {
      for (const source of this.plan.fitSources) {
        const from = this.st.fitParts[source.key] ?? 0;
        let batch: FitCandidate[] = [];
        let bytes = 0;
        let scanned = 0;
        let last: ArchiveEntry | null = null;
        for (const entry of source.fits) {
          if (entry.index < from) continue;
          throwIfStopped(signal);
          progress.step('reading FIT files');
          const c = await this.candidate(source.archive, entry, matcher);
          if (c) {
            batch.push(c);
            bytes += c.bytes.length;
          }
          scanned++;
          last = entry;
          if (batch.length >= (this.d.batchFiles ?? FIT_WINDOW) || bytes >= FIT_WINDOW_BYTES || scanned >= FIT_SCAN) {
            await flush(batch, source.key, entry.index + 1);
            batch = [];
            bytes = 0;
            scanned = 0;
          }
        }
        if (scanned > 0 && last) await flush(batch, source.key, last.index + 1);
      }
      if (storing) await storing;
    } finally {
      // Stopped or failed: the window being stored ends (commits or not) before the job does.
      if (storing) await (storing as Promise<void>).catch(() => {});
    }
    this.st.fitDone = true;
    await this.commit('activities', async () => ({ new: 0, updated: 0, unchanged: 0 }), this.fitPosition());
  }

  private async candidate(archive: Archive, entry: ArchiveEntry, matcher: FitMatcher): Promise<FitCandidate | null> {
    const stats = this.st.stats;
    if (entry.size > MAX_FIT_BYTES) {
      stats.oversizedFits++;
      return null;
    }
    const bytes = await archive.read(entry, MAX_FIT_BYTES, this.signal);
    const peek = peekFit(bytes);
    if (peek.fileType !== FIT_FILE_ACTIVITY) {
      stats.otherFits++;
      return null;
    }
    // A session without a start time cannot be placed (garmin-grafana #256). A file cut short has
    // lost its session (written last) but is still the original file Garmin holds and the API's
    // download gives: it is placed by when the device created it.
    const startMs = peek.sessionStartMs ?? (peek.hasSession ? null : peek.timeCreatedMs);
    if (startMs === null) {
      stats.fitsWithoutStart++;
      return null;
    }
    const activity = matcher.claim(startMs, { timerS: peek.sessionTimerS, distanceM: peek.sessionDistanceM });
    if (!activity) {
      stats.unmatchedFits++;
      return null;
    }
    this.st.matched.push(activity.rec.activityId);
    return { activity, bytes, peek };
  }

  /**
   * Stores a window of matched files with their rows: an activity already stored with its file (an
   * API sync) keeps row and file untouched; the others get the file (content-addressed, durable
   * before the row names it), in one transaction with the part's resume position. Decoding is left
   * to the decode backlog after the job (and to ActivityStore when an activity is read before).
   */
  private async storeFits(batch: FitCandidate[], at: FitPosition): Promise<void> {
    const { db, fitStore } = this.d;
    const { userId } = this.t;
    const known = await knownActivities(
      db,
      userId,
      batch.map((c) => c.activity.rec.activityId),
    );
    const stats = { multisportParents: 0, skipped: 0, unitDisagreements: 0, implausible: 0 };
    const items = await Promise.all(
      batch.map(async (c): Promise<{ outcome: Outcome; rec?: ActivityRecord }> => {
        const id = c.activity.rec.activityId;
        const k = known.get(id);
        if (k?.fitSha256 && (await fitStore.has(k.fitSha256))) return { outcome: 'unchanged' };
        const rec = agreeWithFit(c.activity, { distanceM: c.peek.sessionDistanceM, timerS: c.peek.sessionTimerS }, stats);
        const { sha256, size } = await fitStore.put(c.bytes);
        return { outcome: k ? 'updated' : 'new', rec: { ...rec, fitSha256: sha256, fitSize: size } };
      }),
    );
    this.plan.summaryStats.unitDisagreements += stats.unitDisagreements;
    const write = async (tx: Queryable): Promise<Counts> => {
      const now = this.d.runtime.now();
      await upsertActivities(
        tx,
        userId,
        items.flatMap((i) => (i.rec ? [i.rec] : [])),
        now,
      );
      return tally(items.map((i) => i.outcome));
    };
    await this.commit('activities', write, at);
  }

  /** Summaries no FIT file matched (manual activities, files missing from the export): rows without a file. */
  async summaries(progress: PhaseVoice): Promise<void> {
    const { db } = this.d;
    const { userId } = this.t;
    const { signal } = this;
    progress.phase('activities');
    progress.step('storing activities without a FIT file');
    const matched = new Set(this.st.matched);
    const rest = this.plan.activities.filter((a) => !matched.has(a.rec.activityId));
    for (let i = this.st.summariesDone; i < rest.length; i += SUMMARY_BATCH) {
      throwIfStopped(signal);
      const part = rest.slice(i, i + SUMMARY_BATCH);
      const known = await knownActivities(
        db,
        userId,
        part.map((a) => a.rec.activityId),
      );
      const rows: ActivityRecord[] = [];
      const outcomes: Outcome[] = [];
      for (const a of part) {
        const k = known.get(a.rec.activityId);
        // Stored with its file (an API sync): row and file stay as they are.
        if (k?.fitSha256 || k?.summaryHash === a.rec.summaryHash) {
          outcomes.push('unchanged');
          continue;
        }
        rows.push(a.rec);
        outcomes.push(k ? 'updated' : 'new');
      }
      this.st.summariesDone = i + part.length;
      await this.commit('activities', async (tx) => {
        await upsertActivities(tx, userId, rows, this.d.runtime.now());
        return tally(outcomes);
      }, { summariesDone: this.st.summariesDone });
    }
  }

  /**
   * Health days, a chunk of days per transaction (the health module's store re-derives them). The
   * members covering a chunk are parsed again and kept only while later chunks still need them.
   */
  async health(progress: PhaseVoice): Promise<void> {
    const { userId } = this.t;
    const { signal } = this;
    progress.phase('health');
    const days = this.plan.days;
    const loaded = new Map<HealthSource, Map<string, ExportDayPart[]>>();
    for (let c = this.st.healthChunksDone; c * HEALTH_CHUNK_DAYS < days.length; c++) {
      throwIfStopped(signal);
      const chunk = days.slice(c * HEALTH_CHUNK_DAYS, (c + 1) * HEALTH_CHUNK_DAYS);
      const first = chunk[0]!;
      const last = chunk[chunk.length - 1]!;
      progress.step(`storing the days from ${first} to ${last}`);
      for (const source of loaded.keys()) if (source.last < first) loaded.delete(source);
      const parts: ExportDayPart[] = [];
      // Archive order: of two members giving the same day and source, the later one wins.
      for (const source of this.plan.healthSources) {
        if (source.first > last || source.last < first) continue;
        let byDay = loaded.get(source);
        if (!byDay) {
          byDay = await this.readHealth(source);
          loaded.set(source, byDay);
        }
        for (const d of chunk) parts.push(...(byDay.get(d) ?? []));
      }
      this.st.healthChunksDone = c + 1;
      await this.commit('health', (tx) => storeExportDays(tx, userId, parts, this.d.runtime.now()), { healthChunksDone: c + 1 });
    }
  }

  private async readHealth(source: HealthSource): Promise<Map<string, ExportDayPart[]>> {
    const text = (await source.archive.read(source.entry, MAX_JSON_BYTES, this.signal)).toString('utf8');
    const byDay = new Map<string, ExportDayPart[]>();
    for (const p of parseHealthMember(source.family, text).parts) {
      const list = byDay.get(p.date);
      if (list) list.push(p);
      else byDay.set(p.date, [p]);
    }
    return byDay;
  }

  async workouts(): Promise<void> {
    if (this.st.workoutsDone || this.plan.workouts.length === 0) return;
    const { userId, progress } = this.t;
    throwIfStopped(this.signal);
    progress.phase('workouts');
    progress.step('storing workouts');
    this.st.workoutsDone = true;
    await this.commit('workouts', (tx) => storeWorkouts(tx, userId, this.plan.workouts, this.d.runtime.now()), { workoutsDone: true });
  }

  /**
   * Moves the API sync's cursors forward only: the next incremental sync tops up from the newest
   * imported activity and day instead of re-reading a year (sync_cursors, activities-kind / health-kind).
   */
  async cursors(): Promise<void> {
    const { db, runtime } = this.d;
    const { userId } = this.t;
    let newest = -1;
    for (const a of this.plan.activities) newest = Math.max(newest, a.rec.startMs);
    const lastDay = this.plan.days[this.plan.days.length - 1];
    await db.transaction(async (tx) => {
      const now = runtime.now();
      if (newest >= 0) {
        const stored = await getCursor(tx, userId, 'activities');
        if (stored === undefined || !/^\d+$/.test(stored) || Number(stored) < newest) await setCursor(tx, userId, 'activities', String(newest), now);
      }
      if (lastDay) {
        const stored = await getCursor(tx, userId, 'health');
        if (stored === undefined || !/^\d{4}-\d{2}-\d{2}$/.test(stored) || stored < lastDay) await setCursor(tx, userId, 'health', lastDay, now);
      }
    });
  }
}

/** The FIT pass's fields of the resume state. */
type FitPosition = Pick<ImportState, 'fitParts' | 'fitDone' | 'matched' | 'stats'>;

/**
 * A phase's progress words (its kind and step). Of phases running together, only the one in front
 * tells the job where it is; the other's words are kept, and told when it comes to the front or fails
 * (a failure message says where the import was: import-message.ts).
 */
export class PhaseVoice {
  private kind: string | null = null;
  private what: string | null = null;

  constructor(
    private readonly progress: ImportProgress,
    private front: boolean,
  ) {}

  phase(kind: string): void {
    this.kind = kind;
    if (this.front) this.progress.phase(kind);
  }

  step(what: string): void {
    this.what = what;
    if (this.front) this.progress.step(what);
  }

  /** Another phase failed: this one's words no longer tell where the job is. */
  hush(): void {
    this.front = false;
  }

  /** This phase is in front from now on: the job hears where it is. */
  speak(): void {
    this.front = true;
    if (this.kind !== null) this.progress.phase(this.kind);
    if (this.what !== null) this.progress.step(this.what);
  }
}

function tally(outcomes: readonly Outcome[]): Counts {
  const c: Counts = { new: 0, updated: 0, unchanged: 0 };
  for (const o of outcomes) c[o]++;
  return c;
}
