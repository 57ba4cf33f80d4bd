/**
 * When to try a failed delivery again: exponential backoff with jitter, from a few seconds up
 * to hours apart, for about three days; a receiver's `Retry-After` is honoured (within bounds).
 * After `errorAfterFailures` consecutive failures the subscription is shown as `error`;
 * delivery goes on until the retry window is spent. Nothing is dropped either way: the events
 * stay available to `$events`, and a successful delivery resumes where it stopped.
 */
export interface RetryPolicy {
  readonly firstDelayMs: number;
  readonly maxDelayMs: number;
  /** Stop retrying once the failures have lasted this long. */
  readonly giveUpAfterMs: number;
  readonly errorAfterFailures: number;
  /** Bounds for a `Retry-After` the receiver asks for. */
  readonly minRetryAfterMs: number;
  readonly maxRetryAfterMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  firstDelayMs: 5_000,
  maxDelayMs: 8 * 3_600_000,
  giveUpAfterMs: 72 * 3_600_000,
  errorAfterFailures: 5,
  minRetryAfterMs: 1_000,
  maxRetryAfterMs: 24 * 3_600_000,
};

/**
 * Delay before attempt `failures + 1`, given `failures` consecutive failures so far (≥ 1):
 * `first · 2^(failures-1)`, capped, with jitter drawn from [½, 1] of it (`random` in [0, 1)).
 */
export function backoffDelayMs(failures: number, random: number, policy: RetryPolicy = DEFAULT_RETRY_POLICY): number {
  const exponent = Math.min(Math.max(failures, 1) - 1, 30);
  const ceiling = Math.min(policy.firstDelayMs * 2 ** exponent, policy.maxDelayMs);
  return Math.round(ceiling / 2 + (ceiling / 2) * Math.min(Math.max(random, 0), 1));
}

/**
 * Parses `Retry-After` (delay-seconds or an HTTP date) into milliseconds from `nowMs`;
 * undefined when absent or unreadable.
 */
export function retryAfterMs(header: string | undefined, nowMs: number): number | undefined {
  if (header === undefined) return undefined;
  const text = header.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.max(at - nowMs, 0);
}

export interface RetryDecision {
  /** Undefined when the retry window is spent: no automatic retry. */
  readonly nextAttemptAtMs: number | undefined;
  /** Whether the subscription should now show `error`. */
  readonly error: boolean;
}

/** After a failed attempt: when to retry, and whether the subscription is in `error`. */
export function decideRetry(
  input: { failures: number; failingSinceMs: number; nowMs: number; retryAfterMs?: number; random: number },
  policy: RetryPolicy = DEFAULT_RETRY_POLICY,
): RetryDecision {
  const error = input.failures >= policy.errorAfterFailures;
  if (input.nowMs - input.failingSinceMs >= policy.giveUpAfterMs) return { nextAttemptAtMs: undefined, error: true };
  const delay =
    input.retryAfterMs !== undefined
      ? Math.min(Math.max(input.retryAfterMs, policy.minRetryAfterMs), policy.maxRetryAfterMs)
      : backoffDelayMs(input.failures, input.random, policy);
  return { nextAttemptAtMs: input.nowMs + delay, error };
}
