// Start a sync, watch it live (server-sent events), cancel it, and the history of past syncs.
import type { SyncJob, SyncJobList } from '@fitsync/api';
import { SYNC_TYPES, type SyncType, TERMINAL_SYNC_STATUSES } from '@fitsync/api/codes';
import type { JSX } from 'preact';
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, apiGet, apiSend } from '../api.js';
import { Alert, Button, formatDateTime, formatDuration, Select, Status, Table } from '../ui.js';

const TYPE_LABELS: Record<string, string> = { all: 'All', activities: 'Activities', health: 'Health', workouts: 'Workouts', import: 'Import' };
const STATUS_LABELS: Record<string, string> = {
  pending: 'Waiting',
  running: 'Running',
  completed: 'Finished',
  failed: 'Failed',
  cancelled: 'Cancelled',
};
const isOver = (j: SyncJob) => TERMINAL_SYNC_STATUSES.includes(j.status);

export default function Page(): JSX.Element {
  const [type, setType] = useState<SyncType>('all');
  const [history, setHistory] = useState<SyncJob[] | null>(null);
  const [job, setJob] = useState<SyncJob | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);

  const loadHistory = useCallback(async () => {
    const list = await apiGet<SyncJobList>('/v1/sync/jobs?limit=20');
    setHistory(list.jobs);
    return list.jobs;
  }, []);

  // On arrival: the history, and a job still running is followed live.
  useEffect(() => {
    loadHistory().then(
      (jobs) => {
        const active = jobs.find((j) => !isOver(j));
        if (active) setJob((cur) => cur ?? active);
      },
      (err) => setError(err),
    );
  }, [loadHistory]);

  const jobId = job && !isOver(job) ? job.job_id : null;
  useLiveJob(jobId, setJob);
  // However the end was learnt (the stream, the cancel answer, a read after an error), the
  // history then shows the job's final row.
  const ended = job && isOver(job) ? job.job_id : null;
  useEffect(() => {
    if (ended) loadHistory().catch(setError);
  }, [ended, loadHistory]);

  const start = async () => {
    setBusy(true);
    setError(null);
    try {
      setJob(await apiSend<SyncJob>('POST', '/v1/sync/jobs', { sync_type: type }));
      loadHistory().catch(setError);
    } catch (err) {
      setError(err);
      // One is already running (started elsewhere, e.g. the CLI): follow that one.
      const running = err instanceof ApiError && err.code === 'sync_in_progress' ? (err.body as { job_id?: string }).job_id : undefined;
      if (running) apiGet<SyncJob>(`/v1/sync/jobs/${encodeURIComponent(running)}`).then(setJob, () => {});
    } finally {
      setBusy(false);
    }
  };

  const cancel = async () => {
    if (!job) return;
    setBusy(true);
    setError(null);
    try {
      // The answer may still say running: the worker stops within seconds and the stream tells.
      setJob(await apiSend<SyncJob>('POST', `/v1/sync/jobs/${encodeURIComponent(job.job_id)}/cancel`));
    } catch (err) {
      if (err instanceof ApiError && err.code === 'job_finished') {
        apiGet<SyncJob>(`/v1/sync/jobs/${encodeURIComponent(job.job_id)}`).then(setJob, setError);
      } else setError(err);
    } finally {
      setBusy(false);
    }
  };

  const running = job !== null && !isOver(job);
  return (
    <>
      <h1>Sync</h1>
      <p class="muted">Fetch new activities, health data and workouts from Garmin Connect.</p>
      <div class="panel">
        <Select
          label="What to sync"
          value={type}
          options={SYNC_TYPES.map((t) => ({ value: t, label: TYPE_LABELS[t] ?? t }))}
          onValue={(v) => setType(v as SyncType)}
          disabled={running}
        />
        <div class="actions">
          <Button onClick={start} busy={busy && !running} disabled={running}>
            Start sync
          </Button>
          {running && (
            <Button variant="danger" onClick={cancel} busy={busy}>
              Cancel sync
            </Button>
          )}
        </div>
      </div>
      {error instanceof ApiError && error.code === 'garmin_not_connected' ? (
        // The server's text names the CLI command; here the way is the Settings page.
        <Alert>
          FitSync has no working link to your Garmin account. Link it in <a href="/settings">Settings</a>, then start the sync
          again.
        </Alert>
      ) : (
        <Alert error={error ?? undefined} />
      )}
      {job && running && <Progress job={job} />}
      {job && !running && <Outcome job={job} />}
      <History jobs={history} />
    </>
  );
}

/**
 * Follows one job over `GET /v1/sync/jobs/{id}/events`. The server ends the stream after the
 * last state; the source is closed then, or EventSource would reconnect and ask again.
 */
function useLiveJob(jobId: string | null, onJob: (j: SyncJob) => void): void {
  const handler = useRef(onJob);
  handler.current = onJob;
  useEffect(() => {
    if (!jobId) return;
    const url = `/v1/sync/jobs/${encodeURIComponent(jobId)}/events`;
    const source = new EventSource(url);
    source.onmessage = (e: MessageEvent<string>) => {
      let j: SyncJob;
      try {
        j = JSON.parse(e.data) as SyncJob;
      } catch {
        return;
      }
      if (isOver(j)) source.close();
      handler.current(j);
    };
    source.onerror = () => {
      // EventSource retries on its own after a dropped connection; it gives up only when the
      // server answered with an error (401, 404): read the job once, which also handles 401.
      if (source.readyState !== EventSource.CLOSED) return;
      apiGet<SyncJob>(`/v1/sync/jobs/${encodeURIComponent(jobId)}`).then(
        (j) => handler.current(j),
        () => {},
      );
    };
    return () => source.close();
  }, [jobId, handler]);
}

function Progress(props: { job: SyncJob }): JSX.Element {
  const j = props.job;
  const pct = Math.max(0, Math.min(100, Math.round(j.progress)));
  const items = j.total_items != null ? `${j.processed_items} of ${j.total_items} items` : `${j.processed_items} items`;
  const phase = j.status === 'pending' ? 'Waiting to start…' : `Syncing ${TYPE_LABELS[j.sync_type]?.toLowerCase() ?? j.sync_type}: ${items} (${pct} %)`;
  return (
    <section class="progress" aria-labelledby="progress-h">
      <h2 id="progress-h">Sync in progress</h2>
      <ProgressBar pct={pct} />
      <p aria-live="polite">{phase}</p>
      <Counts job={j} />
    </section>
  );
}

function ProgressBar(props: { pct: number }): JSX.Element {
  return (
    <div
      class="progress-track"
      role="progressbar"
      aria-label="Sync progress"
      aria-valuemin={0}
      aria-valuemax={100}
      aria-valuenow={props.pct}
      aria-valuetext={`${props.pct} %`}
    >
      <div class={`progress-bar w-${Math.round(props.pct / 5) * 5}`} />
    </div>
  );
}

function Counts(props: { job: SyncJob }): JSX.Element | null {
  const c = props.job.counts;
  const parts = (
    [
      ['Activities', c.activities],
      ['Health', c.health],
      ['Workouts', c.workouts],
    ] as const
  ).filter(([, n]) => n.new + n.updated + n.unchanged > 0);
  if (parts.length === 0) return null;
  return (
    <ul class="counts">
      {parts.map(([label, n]) => (
        <li key={label}>
          {label}: {n.new} new, {n.updated} updated, {n.unchanged} unchanged
        </li>
      ))}
    </ul>
  );
}

function Outcome(props: { job: SyncJob }): JSX.Element {
  const j = props.job;
  const text =
    j.status === 'completed' ? 'Sync finished' : j.status === 'cancelled' ? 'Sync cancelled' : `Sync failed: ${j.error_message ?? 'unknown error'}`;
  return (
    <section class="outcome">
      {/* A finished sync's bar stays, full: the last thing the running one showed may be 99 %. */}
      {j.status === 'completed' && (
        <div class="progress">
          <ProgressBar pct={100} />
        </div>
      )}
      <Status tone={j.status === 'completed' ? 'ok' : j.status === 'cancelled' ? 'warn' : 'error'}>{text}</Status>
      {j.message && <p>{j.message}</p>}
      <Counts job={j} />
    </section>
  );
}

function duration(j: SyncJob): string {
  if (!j.start_time || !j.end_time) return '—';
  return formatDuration((Date.parse(j.end_time) - Date.parse(j.start_time)) / 1000);
}

function History(props: { jobs: SyncJob[] | null }): JSX.Element {
  if (props.jobs === null) return <p class="loading">Loading sync history…</p>;
  return (
    // The benchmark times the sync page's first meaningful paint by this caption (Element Timing).
    <Table caption="Sync history" captionProps={{ elementtiming: 'sync-ready' }} headers={['Started', 'Type', 'Status', 'Items', 'Duration']}
      numeric={['Items', 'Duration']}
    >
      {props.jobs.length === 0 ? (
        <tr>
          <td colSpan={5}>No syncs yet.</td>
        </tr>
      ) : (
        props.jobs.map((j) => (
          <tr key={j.job_id}>
            <td>{formatDateTime(j.start_time ?? j.created_at)}</td>
            <td>{TYPE_LABELS[j.sync_type] ?? j.sync_type}</td>
            <td>{j.status === 'failed' && j.error_message ? `Failed: ${j.error_message}` : (STATUS_LABELS[j.status] ?? j.status)}</td>
            <td class="num">{j.total_items != null ? `${j.processed_items} / ${j.total_items}` : j.processed_items}</td>
            <td class="num">{duration(j)}</td>
          </tr>
        ))
      )}
    </Table>
  );
}
