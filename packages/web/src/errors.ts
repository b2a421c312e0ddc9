import { ApiError } from './api.js';

/**
 * The text a person should read for an error: the problem's `detail`, else its title; a throttled
 * answer says how long to wait, a wrong code how many tries are left.
 */
export function errorText(err: unknown): string {
  if (err instanceof ApiError) {
    const text = err.detail ?? err.message;
    const wait = err.retryAfter;
    if (err.code === 'too_many_attempts' && wait !== undefined) return `Too many attempts. Try again in ${waitText(wait)}.`;
    const left = (err.body as { attempts_left?: unknown } | null)?.attempts_left;
    if (typeof left === 'number') return `${text} ${left === 1 ? '1 attempt' : `${left} attempts`} left.`;
    return text;
  }
  if (err instanceof Error && err.message) return err.message;
  return 'Something went wrong. Try again.';
}

function waitText(seconds: number): string {
  if (seconds < 60) return seconds === 1 ? '1 second' : `${seconds} seconds`;
  const minutes = Math.ceil(seconds / 60);
  return minutes === 1 ? '1 minute' : `${minutes} minutes`;
}
