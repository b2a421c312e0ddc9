import type { SyncJob } from '@fitsync/api';
import { abortError, type Runtime } from '@fitsync/runtime';
import { AuthError, CliError, NotFoundError, UnavailableError } from '../errors.js';
import type { Session } from '../session.js';
import { openStream } from '../stream/open-stream.js';
import { asSyncJob } from '../client/answers.js';
import { isTerminal } from './is-terminal.js';
import { SseEventTooLargeError, SseParser } from './sse-parser.js';

export interface FollowDeps {
  baseUrl: string;
  session: Session;
  runtime: Runtime;
  log?: (line: string) => void;
  /** Stops following (Ctrl-C): the stream is closed and followJob rejects with an AbortError. */
  signal?: AbortSignal;
}

export interface FollowOptions {
  /** Polling period when the event stream is not available (spec: every 1 s). */
  pollIntervalMs?: number;
  /** A stream silent this long is treated as dropped and reopened. */
  idleTimeoutMs?: number;
  /** Consecutive failed stream attempts before falling back to polling. */
  maxStreamFailures?: number;
  connectTimeoutMs?: number;
  headersTimeoutMs?: number;
}

const DEFAULTS: Required<FollowOptions> = {
  pollIntervalMs: 1_000,
  idleTimeoutMs: 45_000,
  maxStreamFailures: 3,
  connectTimeoutMs: 5_000,
  headersTimeoutMs: 10_000,
};

/** Statuses meaning "this server has no event stream here": poll instead. */
const NO_STREAM = new Set([404, 405, 406, 501]);

/** What survives a reconnect: the last event id and the server's `retry:` (SSE spec). */
interface StreamState {
  lastEventId?: string;
  retryMs?: number;
}

type StreamOutcome = { kind: 'terminal'; job: SyncJob } | { kind: 'ended'; events: number } | { kind: 'unsupported' };

/**
 * Follows a job until it ends, calling `onUpdate` for every changed snapshot;
 * resolves with the terminal snapshot. Uses `GET /v1/sync/jobs/{id}/events`
 * (text/event-stream of SyncJob snapshots), reopening it when it drops
 * (with Last-Event-ID and the server's `retry:`), and polls `GET
 * /v1/sync/jobs/{id}` every second when the stream is unavailable. A dead
 * server ends the follow with UnavailableError (exit 6) rather than a hang:
 * every wait is bounded and polling uses the client's bounded GET retries.
 * When `d.signal` fires it stops at once (closing the stream, leaving a wait
 * or a poll) and rejects with an AbortError; the job itself is left alone.
 */
export async function followJob(first: SyncJob, d: FollowDeps, onUpdate: (job: SyncJob) => void, o: FollowOptions = {}): Promise<SyncJob> {
  const opt = { ...DEFAULTS, ...o };
  const id = encodeURIComponent(first.job_id);
  let last = JSON.stringify(first);
  const seen = (job: SyncJob) => {
    if (job.job_id !== first.job_id) return;
    const key = JSON.stringify(job);
    if (key === last) return;
    last = key;
    onUpdate(job);
  };
  if (isTerminal(first)) return first;
  let streaming = true;
  let failures = 0;
  const state: StreamState = {};
  for (;;) {
    if (d.signal?.aborted) throw abortError(d.signal);
    if (streaming) {
      let outcome: StreamOutcome | undefined;
      try {
        outcome = await streamOnce(d, opt, `/v1/sync/jobs/${id}/events`, state, seen, first.job_id);
      } catch (err) {
        if (err instanceof AuthError || d.signal?.aborted) throw err;
        if (err instanceof CliError && err.api?.status !== undefined && NO_STREAM.has(err.api.status)) outcome = { kind: 'unsupported' };
        else if (!(err instanceof UnavailableError)) throw err;
        else d.log?.(`* event stream failed: ${err.message}`);
      }
      if (outcome?.kind === 'terminal') return outcome.job;
      if (outcome?.kind === 'unsupported') {
        d.log?.('* no event stream; polling every second');
        streaming = false;
        continue;
      }
      failures = outcome?.kind === 'ended' && outcome.events > 0 ? 0 : failures + 1;
      if (failures >= opt.maxStreamFailures) {
        // Polling tells a dead server (exit 6 after the GET retries) from a broken stream.
        d.log?.('* event stream keeps failing; polling every second');
        streaming = false;
        continue;
      }
      // Reconnect delay: the server's `retry:` when given, else a short backoff.
      await d.runtime.sleep(Math.min(state.retryMs ?? 250 * 2 ** failures, 5_000), d.signal);
      continue;
    }
    await d.runtime.sleep(opt.pollIntervalMs, d.signal);
    let job: SyncJob;
    try {
      job = asSyncJob((await untilAborted(d.session.request('GET', `/v1/sync/jobs/${id}`), d.signal)).body);
    } catch (err) {
      if (err instanceof NotFoundError) throw new NotFoundError(`Sync job ${first.job_id} not found`);
      throw err;
    }
    seen(job);
    if (isTerminal(job)) return job;
  }
}

async function streamOnce(
  d: FollowDeps,
  opt: Required<FollowOptions>,
  path: string,
  state: StreamState,
  seen: (job: SyncJob) => void,
  jobId: string,
): Promise<StreamOutcome> {
  const headers: Record<string, string> = { accept: 'text/event-stream', 'cache-control': 'no-cache' };
  if (state.lastEventId !== undefined) headers['last-event-id'] = state.lastEventId;
  const { res, close } = await untilAborted(
    openStream({
      baseUrl: d.baseUrl,
      path,
      session: d.session,
      headers,
      connectTimeoutMs: opt.connectTimeoutMs,
      headersTimeoutMs: opt.headersTimeoutMs,
      idleTimeoutMs: opt.idleTimeoutMs,
      ...(d.log ? { log: d.log } : {}),
    }),
    d.signal,
    // A stream that opens after the follow was stopped is closed at once.
    (late) => late.close(),
  );
  if (!/^text\/event-stream\b/i.test(String(res.headers['content-type'] ?? ''))) {
    close();
    return { kind: 'unsupported' };
  }
  return new Promise<StreamOutcome>((resolve, reject) => {
    let events = 0;
    let done = false;
    const onAbort = () => finish(abortError(d.signal as AbortSignal));
    const finish = (r: StreamOutcome | Error) => {
      if (done) return;
      done = true;
      d.signal?.removeEventListener('abort', onAbort);
      close();
      if (r instanceof Error) reject(r);
      else resolve(r);
    };
    const parser = new SseParser((e) => {
      let job: SyncJob;
      try {
        job = asSyncJob(JSON.parse(e.data));
      } catch {
        // Not a snapshot (another event type, a heartbeat with data): ignore it.
        return;
      }
      if (job.job_id !== jobId) return;
      events++;
      seen(job);
      if (isTerminal(job)) finish({ kind: 'terminal', job });
    }, state.lastEventId);
    res.on('data', (c: Buffer) => {
      if (done) return;
      try {
        parser.push(c);
      } catch (err) {
        if (!(err instanceof SseEventTooLargeError)) throw err;
        // Drop the stream (finish closes it): a later attempt, or polling, takes over.
        finish(new UnavailableError(`${d.baseUrl} sent an event larger than ${err.maxBytes / 1024 / 1024} MiB on the event stream`));
        return;
      }
      state.lastEventId = parser.lastEventId;
      if (parser.retryMs !== undefined) state.retryMs = parser.retryMs;
    });
    res.on('error', (err) => finish(err instanceof UnavailableError ? err : new UnavailableError(`the event stream from ${d.baseUrl} broke: ${(err as NodeJS.ErrnoException).code ?? err.message}`)));
    res.on('end', () => finish({ kind: 'ended', events }));
    res.on('close', () => finish({ kind: 'ended', events }));
    if (d.signal?.aborted) onAbort();
    else d.signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * `p`, or an AbortError as soon as `signal` fires; what `p` still resolves to
 * after that is handed to `discard` (e.g. a stream to close).
 */
function untilAborted<T>(p: Promise<T>, signal: AbortSignal | undefined, discard?: (late: T) => void): Promise<T> {
  if (!signal) return p;
  if (signal.aborted) {
    p.then(discard, () => undefined);
    return Promise.reject(abortError(signal));
  }
  return new Promise<T>((resolve, reject) => {
    let aborted = false;
    const onAbort = () => {
      aborted = true;
      reject(abortError(signal));
    };
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        if (aborted) discard?.(v);
        else resolve(v);
      },
      (err: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(err);
      },
    );
  });
}
