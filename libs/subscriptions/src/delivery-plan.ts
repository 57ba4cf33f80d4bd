import { decideRetry, DEFAULT_RETRY_POLICY, RetryPolicy, retryAfterMs } from './backoff';
import type { SubscriptionStatusCode } from './notification-bundle';

/** Where a subscription's delivery stands (the part of its row these rules read). */
export interface DeliveryState {
  readonly status: SubscriptionStatusCode;
  readonly handshakePending: boolean;
  /** Events matched so far: the last event number given out. */
  readonly eventCount: number;
  /** The last event number the endpoint acknowledged. */
  readonly deliveredCount: number;
  /** The batch being attempted (its retries resend exactly it). */
  readonly inflight: { readonly from: number; readonly to: number } | undefined;
  readonly maxCount: number;
  readonly heartbeatSeconds: number | undefined;
  readonly lastSentAtMs: number | undefined;
  readonly endMs: number | undefined;
  readonly consecutiveFailures: number;
  readonly failingSinceMs: number | undefined;
}

export type NextSend =
  | { readonly kind: 'handshake' }
  | { readonly kind: 'events'; readonly from: number; readonly to: number }
  | { readonly kind: 'heartbeat' }
  | { readonly kind: 'expired' }
  | { readonly kind: 'none' };

/**
 * What to send next: the handshake first (a `requested` subscription gets nothing else), then
 * events in order, at most `maxCount` per notification, a failed batch resent as it was; a
 * heartbeat when an active subscription has been quiet for its period. Past `end`: expired.
 */
export function nextSend(state: DeliveryState, nowMs: number): NextSend {
  if (state.status === 'off') return { kind: 'none' };
  if (state.endMs !== undefined && nowMs >= state.endMs) return { kind: 'expired' };
  if (state.handshakePending) return { kind: 'handshake' };
  if (state.status === 'requested') return { kind: 'none' };
  if (state.inflight) return { kind: 'events', ...state.inflight };
  if (state.deliveredCount < state.eventCount) {
    return { kind: 'events', from: state.deliveredCount + 1, to: Math.min(state.deliveredCount + state.maxCount, state.eventCount) };
  }
  if (state.status === 'active' && state.heartbeatSeconds !== undefined && (state.lastSentAtMs === undefined || nowMs - state.lastSentAtMs >= state.heartbeatSeconds * 1000)) {
    return { kind: 'heartbeat' };
  }
  return { kind: 'none' };
}

/** How one POST ended. */
export type AttemptOutcome =
  | { readonly kind: 'delivered'; readonly httpStatus: number }
  | { readonly kind: 'gone'; readonly httpStatus: number }
  | { readonly kind: 'failed'; readonly reason: string; readonly retryAfterMs?: number };

/**
 * The outcome of a response: 2xx delivered; 410 Gone disables the subscription; a redirect is a
 * failure (never followed); anything else fails, with the receiver's `Retry-After` if given.
 */
export function classifyResponse(httpStatus: number, headers: { retryAfter?: string; location?: string }, nowMs: number): AttemptOutcome {
  if (httpStatus >= 200 && httpStatus < 300) return { kind: 'delivered', httpStatus };
  if (httpStatus === 410) return { kind: 'gone', httpStatus };
  if (httpStatus >= 300 && httpStatus < 400) {
    return { kind: 'failed', reason: `the endpoint answered ${httpStatus} (redirects are not followed)` };
  }
  const after = retryAfterMs(headers.retryAfter, nowMs);
  return { kind: 'failed', reason: `the endpoint answered ${httpStatus}`, ...(after !== undefined && { retryAfterMs: after }) };
}

/** The new delivery state after an attempt. `nextAttemptAtMs` undefined: no automatic retry. */
export interface AttemptResult {
  readonly status: SubscriptionStatusCode;
  readonly handshakePending: boolean;
  readonly deliveredCount: number;
  readonly inflight: { readonly from: number; readonly to: number } | undefined;
  readonly consecutiveFailures: number;
  readonly failingSinceMs: number | undefined;
  readonly nextAttemptAtMs: number | undefined;
  readonly lastSentAtMs: number | undefined;
  readonly lastError: string | undefined;
}

/**
 * Applies an attempt's outcome. Success: the handshake activates, a batch is acknowledged, an
 * `error` subscription recovers. 410: `off`. Failure: retried with backoff (or `Retry-After`);
 * a failed handshake, or `errorAfterFailures` failures in a row, shows `error`; the batch stays
 * in flight, so nothing is skipped.
 */
export function afterAttempt(
  state: DeliveryState,
  sent: Exclude<NextSend, { kind: 'none' } | { kind: 'expired' }>,
  outcome: AttemptOutcome,
  nowMs: number,
  random: number,
  policy: RetryPolicy = DEFAULT_RETRY_POLICY,
): AttemptResult {
  const inflight = sent.kind === 'events' ? { from: sent.from, to: sent.to } : state.inflight;
  if (outcome.kind === 'delivered') {
    return {
      status: state.status === 'off' ? 'off' : 'active',
      handshakePending: sent.kind === 'handshake' ? false : state.handshakePending,
      deliveredCount: sent.kind === 'events' ? Math.max(state.deliveredCount, sent.to) : state.deliveredCount,
      inflight: sent.kind === 'events' ? undefined : state.inflight,
      consecutiveFailures: 0,
      failingSinceMs: undefined,
      nextAttemptAtMs: nowMs,
      lastSentAtMs: nowMs,
      lastError: undefined,
    };
  }
  if (outcome.kind === 'gone') {
    return {
      status: 'off',
      handshakePending: state.handshakePending,
      deliveredCount: state.deliveredCount,
      inflight,
      consecutiveFailures: state.consecutiveFailures + 1,
      failingSinceMs: state.failingSinceMs ?? nowMs,
      nextAttemptAtMs: undefined,
      lastSentAtMs: state.lastSentAtMs,
      lastError: `the endpoint answered ${outcome.httpStatus} Gone: subscription turned off`,
    };
  }
  const failures = state.consecutiveFailures + 1;
  const failingSinceMs = state.failingSinceMs ?? nowMs;
  const retry = decideRetry({ failures, failingSinceMs, nowMs, retryAfterMs: outcome.retryAfterMs, random }, policy);
  const error = sent.kind === 'handshake' || retry.error;
  return {
    status: state.status === 'off' ? 'off' : error ? 'error' : state.status,
    handshakePending: state.handshakePending,
    deliveredCount: state.deliveredCount,
    inflight,
    consecutiveFailures: failures,
    failingSinceMs,
    nextAttemptAtMs: retry.nextAttemptAtMs,
    lastSentAtMs: state.lastSentAtMs,
    lastError: retry.nextAttemptAtMs === undefined ? `${outcome.reason}; retries stopped after ${failures} attempts` : outcome.reason,
  };
}
