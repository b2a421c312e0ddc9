/**
 * Bounded retries with exponential backoff and jitter for Garmin data calls
 * (garmin-protocol.md, "Errors and politeness": 429 → honour Retry-After; 5xx
 * and resets → bounded retries). Sign-in never uses this: retrying sign-in
 * 429s makes Garmin's throttling worse.
 */
import type { Runtime } from '@fitsync/runtime';

/** Retry settings for data calls. */
export interface RetryPolicy {
  /** Total attempts including the first (default 4). */
  maxAttempts: number;
  /** First backoff delay in ms (default 1000); doubles per attempt. */
  baseDelayMs: number;
  /** Cap of one backoff delay in ms (default 30000). */
  maxDelayMs: number;
  /** Longest Retry-After (s) we wait inside a call; longer waits throw GarminRateLimitedError (default 120). */
  maxRetryAfterSeconds: number;
  /** Wait (s) for a 429 without Retry-After (default 60). */
  default429WaitSeconds: number;
}

/** Defaults of {@link RetryPolicy}. */
export const DEFAULT_RETRY_POLICY: Readonly<RetryPolicy> = Object.freeze({
  maxAttempts: 4,
  baseDelayMs: 1000,
  maxDelayMs: 30_000,
  maxRetryAfterSeconds: 120,
  default429WaitSeconds: 60,
});

/**
 * Delay before retry number `attempt` (1-based): exponential, capped, with
 * "equal jitter" (half fixed, half random) so parallel workers spread out.
 */
export function backoffDelayMs(policy: RetryPolicy, attempt: number, rt: Pick<Runtime, 'random'>): number {
  const exp = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(exp / 2 + rt.random() * (exp / 2));
}
