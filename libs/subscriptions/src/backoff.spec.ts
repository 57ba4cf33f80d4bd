import { backoffDelayMs, decideRetry, DEFAULT_RETRY_POLICY, retryAfterMs } from './backoff';

describe('backoffDelayMs', () => {
  it.each([
    [1, 0, 2_500],
    [1, 0.999999, 5_000],
    [2, 0, 5_000],
    [3, 0.5, 15_000],
    [20, 1, 8 * 3_600_000],
  ])('failures %d, random %d → %d ms', (failures, random, delay) => {
    expect(backoffDelayMs(failures, random)).toBeCloseTo(delay, -1);
  });

  it('keeps retrying for about three days, with the default policy', () => {
    let elapsed = 0;
    let failures = 0;
    for (;;) {
      failures++;
      const decision = decideRetry({ failures, failingSinceMs: 0, nowMs: elapsed, random: 0.5 });
      if (decision.nextAttemptAtMs === undefined) break;
      elapsed = decision.nextAttemptAtMs;
    }
    expect(elapsed).toBeGreaterThanOrEqual(DEFAULT_RETRY_POLICY.giveUpAfterMs);
    expect(elapsed).toBeLessThan(DEFAULT_RETRY_POLICY.giveUpAfterMs + DEFAULT_RETRY_POLICY.maxDelayMs);
    expect(failures).toBeGreaterThan(15);
  });
});

describe('retryAfterMs', () => {
  const now = Date.parse('2026-11-27T20:00:00Z');
  it.each([
    ['120', 120_000],
    [' 0 ', 0],
    ['Fri, 27 Nov 2026 20:01:00 GMT', 60_000],
    ['Fri, 27 Nov 2026 19:00:00 GMT', 0],
    ['soon', undefined],
    [undefined, undefined],
  ])('%s → %s', (header, expected) => {
    expect(retryAfterMs(header, now)).toBe(expected);
  });
});

describe('decideRetry', () => {
  it('honours Retry-After within bounds', () => {
    expect(decideRetry({ failures: 1, failingSinceMs: 0, nowMs: 0, retryAfterMs: 120_000, random: 0 }).nextAttemptAtMs).toBe(120_000);
    expect(decideRetry({ failures: 1, failingSinceMs: 0, nowMs: 0, retryAfterMs: 0, random: 0 }).nextAttemptAtMs).toBe(1_000);
    expect(decideRetry({ failures: 1, failingSinceMs: 0, nowMs: 0, retryAfterMs: 10 * 86_400_000, random: 0 }).nextAttemptAtMs).toBe(86_400_000);
  });

  it('shows error after the configured number of failures', () => {
    expect(decideRetry({ failures: 4, failingSinceMs: 0, nowMs: 0, random: 0 }).error).toBe(false);
    expect(decideRetry({ failures: 5, failingSinceMs: 0, nowMs: 0, random: 0 }).error).toBe(true);
  });
});
