/**
 * When to try a failed platform call again: exponential backoff with full jitter, capped,
 * honouring a platform's Retry-After (seconds or HTTP date) when it asks for longer.
 */
export interface RetryPolicy {
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  /** After this many failed attempts the entry is dead-lettered for a person to look at. */
  readonly maxAttempts: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  baseDelayMs: 2_000,
  maxDelayMs: 10 * 60_000,
  maxAttempts: 12,
};

/** Seconds or an HTTP date → milliseconds from now; undefined when absent or unparsable. */
export function parseRetryAfter(header: string | null | undefined, now: Date): number | undefined {
  if (header === null || header === undefined || header.trim() === '') return undefined;
  const value = header.trim();
  if (/^\d+$/.test(value)) return Number(value) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now.getTime());
}

/**
 * Delay before attempt number `failedAttempts + 1`. `random` is in [0, 1) (injected for tests).
 */
export function retryDelayMs(
  failedAttempts: number,
  policy: RetryPolicy,
  random: number,
  retryAfterMs: number | undefined,
): number {
  const exponential = Math.min(
    policy.maxDelayMs,
    policy.baseDelayMs * 2 ** Math.max(0, failedAttempts - 1),
  );
  // Equal jitter (half fixed, half random) spreads retries of many learners after an outage instead of a thundering herd.
  const jittered = Math.round(exponential / 2 + (random * exponential) / 2);
  return retryAfterMs === undefined
    ? jittered
    : Math.max(jittered, Math.min(retryAfterMs, policy.maxDelayMs * 6));
}
