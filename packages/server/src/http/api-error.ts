import type { ErrorCode } from '@fitsync/api/codes';

/** Extra members of a problem document besides type/title/status/code/detail. */
export interface ProblemExtras {
  attempts_left?: number;
  retry_after?: number;
  job_id?: string;
  /** Where an upload stands (409 upload_offset_mismatch): the Upload-Offset to send next. */
  received_bytes?: number;
  errors?: { path: string; message: string }[];
  /** The OAuth error (RFC 6749 §5.2) of the device token endpoint: the same string as `code`. */
  error?: string;
}

const TITLES: Partial<Record<ErrorCode, string>> = {
  invalid_credentials: 'Invalid username or password',
  invalid_mfa_code: 'Invalid MFA code',
  mfa_challenge_expired: 'MFA challenge expired',
  too_many_attempts: 'Too many attempts',
  invalid_token: 'Invalid or expired access token',
  invalid_grant: 'Invalid refresh token',
  not_found: 'Not found',
  validation_error: 'Invalid request',
  internal_error: 'Internal server error',
  mfa_already_enabled: 'MFA is already enabled',
  mfa_not_enabled: 'MFA is not enabled',
  csrf_failed: 'Cross-site request refused',
};

/**
 * An error meant for the client: becomes an RFC 9457 problem with a stable `code`.
 * Messages must never contain secrets (they are sent and may be logged).
 */
export class ApiError extends Error {
  override name = 'ApiError';
  constructor(
    readonly status: number,
    readonly code: ErrorCode,
    readonly detail?: string,
    readonly extras: ProblemExtras = {},
    readonly headers: Record<string, string> = {},
  ) {
    super(detail ?? TITLES[code] ?? code);
  }

  get title(): string {
    return TITLES[this.code] ?? this.code.replace(/_/g, ' ');
  }
}

/** 401 invalid_token with the RFC 6750 §3 challenge header. */
export function invalidToken(): ApiError {
  return new ApiError(401, 'invalid_token', 'The access token is missing, invalid, expired or revoked.', {}, {
    'www-authenticate': 'Bearer error="invalid_token"',
  });
}

/** 429 too_many_attempts carrying Retry-After (header and body) in whole seconds. */
export function tooManyAttempts(retryAfterS: number, what = 'failed attempts'): ApiError {
  const s = Math.max(1, Math.ceil(retryAfterS));
  return new ApiError(429, 'too_many_attempts', `Too many ${what}. Try again in ${s} s.`, { retry_after: s }, {
    'retry-after': String(s),
  });
}

/** The problem document for an ApiError. */
export function problemBody(e: ApiError): Record<string, unknown> {
  return {
    type: `urn:fitsync:problem:${e.code}`,
    title: e.title,
    status: e.status,
    code: e.code,
    ...(e.detail ? { detail: e.detail } : {}),
    ...e.extras,
  };
}
