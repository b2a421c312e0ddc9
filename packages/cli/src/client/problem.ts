import {
  type ApiFailure,
  AuthError,
  type CliError,
  ConflictError,
  NotFoundError,
  UnavailableError,
  UsageError,
} from '../errors.js';
import { sanitizeForTerminal } from '../terminal-text.js';

/**
 * Maps an error answer (RFC 9457 problem details, spec: API contract) to the
 * typed error whose exit code fits. The server's `detail`/`title` become the
 * message, except for a few codes where the CLI contract fixes the wording.
 */
export function errorFromProblem(status: number, body: unknown, server: string, retryAfterHeader?: string): CliError {
  const p = body !== null && typeof body === 'object' ? (body as Record<string, unknown>) : {};
  const str = (k: string) => (typeof p[k] === 'string' ? (p[k] as string) : undefined);
  const int = (k: string) => (typeof p[k] === 'number' && Number.isInteger(p[k]) ? (p[k] as number) : undefined);
  const code = str('code');
  const failure: ApiFailure = { status };
  if (code !== undefined) failure.code = code;
  const attemptsLeft = int('attempts_left');
  if (attemptsLeft !== undefined) failure.attemptsLeft = attemptsLeft;
  const headerWait = retryAfterHeader !== undefined && /^\d+$/.test(retryAfterHeader) ? Number(retryAfterHeader) : undefined;
  const retryAfter = int('retry_after') ?? headerWait;
  if (retryAfter !== undefined) failure.retryAfter = retryAfter;
  const receivedBytes = int('received_bytes');
  if (receivedBytes !== undefined && receivedBytes >= 0) failure.receivedBytes = receivedBytes;
  const jobId = str('job_id');
  if (jobId !== undefined) failure.jobId = jobId;
  // Server text is shown to the user: keep it to one printable line.
  const detail = sanitize(str('detail'));
  if (detail !== undefined) failure.detail = detail;
  const err = build(status, code, detail ?? sanitize(str('title')), detail, server, failure);
  err.api = failure;
  return err;
}

function build(
  status: number,
  code: string | undefined,
  text: string | undefined,
  detail: string | undefined,
  server: string,
  f: ApiFailure,
): CliError {
  const wait = f.retryAfter !== undefined ? `try again in ${f.retryAfter} seconds` : 'try again later';
  switch (code) {
    case 'invalid_credentials':
      return new AuthError('Invalid username or password');
    case 'too_many_attempts':
      return new AuthError(`Too many attempts; ${wait}`);
    case 'invalid_mfa_code':
      return new AuthError(
        f.attemptsLeft !== undefined ? `Invalid code, ${f.attemptsLeft} attempts left` : 'Invalid code',
      );
    case 'mfa_challenge_expired':
      return new AuthError('The sign-in challenge expired', 'run `fitsync auth login` again');
    case 'invalid_token':
      return new AuthError(text ?? 'Not signed in or the session was revoked', 'run `fitsync auth login`');
    case 'invalid_grant':
      return new AuthError('Session expired. Run `fitsync auth login`.');
    case 'rate_limited':
      // The server's own sentence says which limit (e.g. sync jobs per hour) and how long to wait.
      return new UnavailableError(detail ?? `${server} is rate limiting requests; ${wait}`);
    case 'upstream_unavailable':
      return new UnavailableError(text ?? 'an upstream service is unavailable');
    case 'decode_error':
      // The activity's stored FIT file could not be decoded: its state, not the request, is the problem.
      return new ConflictError(text ?? 'the FIT file of this activity could not be decoded', 'format fit still gives the original file');
    case 'nothing_to_export':
      return new ConflictError(text ?? 'this activity has nothing to export in this format');
    case 'sync_in_progress':
      return new ConflictError(text ?? `a sync is already running${f.jobId ? ` (job ${f.jobId})` : ''}`);
    default:
      break;
  }
  if (status >= 500) return new UnavailableError(`${server} is unavailable (HTTP ${status}${text ? `: ${text}` : ''})`);
  if (status === 401 || status === 403) return new AuthError(text ?? 'Not authorized', 'run `fitsync auth login`');
  if (status === 404) return new NotFoundError(text ?? 'Not found');
  if (status === 409 || status === 410) return new ConflictError(text ?? 'Conflict with the current state');
  if (status === 429) return new UnavailableError(`${server} is rate limiting requests; ${wait}`);
  return new UsageError(text ?? `The server rejected the request (HTTP ${status})`);
}

function sanitize(s: string | undefined): string | undefined {
  if (s === undefined) return undefined;
  const clean = sanitizeForTerminal(s).trim().slice(0, 500);
  return clean === '' ? undefined : clean;
}
