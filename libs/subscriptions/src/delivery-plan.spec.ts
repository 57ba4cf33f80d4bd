import { afterAttempt, classifyResponse, DeliveryState, nextSend } from './delivery-plan';

const base: DeliveryState = {
  status: 'active',
  handshakePending: false,
  eventCount: 0,
  deliveredCount: 0,
  inflight: undefined,
  maxCount: 1,
  heartbeatSeconds: undefined,
  lastSentAtMs: 0,
  endMs: undefined,
  consecutiveFailures: 0,
  failingSinceMs: undefined,
};
const at = 1_000_000;

describe('nextSend', () => {
  it.each<[string, Partial<DeliveryState>, ReturnType<typeof nextSend>]>([
    ['nothing to do', {}, { kind: 'none' }],
    ['the handshake first', { status: 'requested', handshakePending: true, eventCount: 3 }, { kind: 'handshake' }],
    ['a requested subscription gets no events', { status: 'requested', eventCount: 3 }, { kind: 'none' }],
    ['the next event', { eventCount: 3, deliveredCount: 1 }, { kind: 'events', from: 2, to: 2 }],
    ['up to maxCount events', { eventCount: 9, deliveredCount: 1, maxCount: 5 }, { kind: 'events', from: 2, to: 6 }],
    ['a failed batch again, as it was', { eventCount: 9, deliveredCount: 1, maxCount: 5, inflight: { from: 2, to: 3 } }, { kind: 'events', from: 2, to: 3 }],
    ['events while in error (retries go on)', { status: 'error', eventCount: 2, deliveredCount: 1 }, { kind: 'events', from: 2, to: 2 }],
    ['nothing when off', { status: 'off', eventCount: 2 }, { kind: 'none' }],
    ['a heartbeat when quiet for the period', { heartbeatSeconds: 60, lastSentAtMs: at - 60_000 }, { kind: 'heartbeat' }],
    ['no heartbeat before the period', { heartbeatSeconds: 60, lastSentAtMs: at - 59_000 }, { kind: 'none' }],
    ['expired after the end', { endMs: at, eventCount: 2 }, { kind: 'expired' }],
  ])('%s', (_name, state, expected) => {
    expect(nextSend({ ...base, ...state }, at)).toEqual(expected);
  });
});

describe('classifyResponse', () => {
  it.each<[number, { retryAfter?: string }, ReturnType<typeof classifyResponse>]>([
    [200, {}, { kind: 'delivered', httpStatus: 200 }],
    [204, {}, { kind: 'delivered', httpStatus: 204 }],
    [410, {}, { kind: 'gone', httpStatus: 410 }],
    [302, {}, { kind: 'failed', reason: 'the endpoint answered 302 (redirects are not followed)' }],
    [500, {}, { kind: 'failed', reason: 'the endpoint answered 500' }],
    [503, { retryAfter: '30' }, { kind: 'failed', reason: 'the endpoint answered 503', retryAfterMs: 30_000 }],
    [404, {}, { kind: 'failed', reason: 'the endpoint answered 404' }],
  ])('%d', (status, headers, expected) => {
    expect(classifyResponse(status, headers, at)).toEqual(expected);
  });
});

describe('afterAttempt', () => {
  it('activates on a delivered handshake', () => {
    const state = { ...base, status: 'requested' as const, handshakePending: true };
    expect(afterAttempt(state, { kind: 'handshake' }, { kind: 'delivered', httpStatus: 200 }, at, 0)).toMatchObject({
      status: 'active',
      handshakePending: false,
      nextAttemptAtMs: at,
      lastSentAtMs: at,
    });
  });

  it('shows error on a failed handshake, and retries it', () => {
    const state = { ...base, status: 'requested' as const, handshakePending: true };
    const result = afterAttempt(state, { kind: 'handshake' }, { kind: 'failed', reason: 'the endpoint answered 500' }, at, 0);
    expect(result).toMatchObject({ status: 'error', handshakePending: true, consecutiveFailures: 1, failingSinceMs: at, lastError: 'the endpoint answered 500' });
    expect(result.nextAttemptAtMs).toBe(at + 2_500);
  });

  it('acknowledges a batch and recovers from error', () => {
    const state = { ...base, status: 'error' as const, eventCount: 5, deliveredCount: 1, inflight: { from: 2, to: 3 }, consecutiveFailures: 7, failingSinceMs: 1 };
    expect(afterAttempt(state, { kind: 'events', from: 2, to: 3 }, { kind: 'delivered', httpStatus: 200 }, at, 0)).toMatchObject({
      status: 'active',
      deliveredCount: 3,
      inflight: undefined,
      consecutiveFailures: 0,
      failingSinceMs: undefined,
    });
  });

  it('keeps a failed batch in flight, and turns to error after five failures in a row', () => {
    const state = { ...base, eventCount: 5, deliveredCount: 1, consecutiveFailures: 3, failingSinceMs: at - 10_000 };
    const fourth = afterAttempt(state, { kind: 'events', from: 2, to: 2 }, { kind: 'failed', reason: 'x' }, at, 0);
    expect(fourth).toMatchObject({ status: 'active', inflight: { from: 2, to: 2 }, deliveredCount: 1, consecutiveFailures: 4 });
    const fifth = afterAttempt({ ...state, consecutiveFailures: 4 }, { kind: 'events', from: 2, to: 2 }, { kind: 'failed', reason: 'x' }, at, 0);
    expect(fifth).toMatchObject({ status: 'error', inflight: { from: 2, to: 2 }, consecutiveFailures: 5 });
    expect(fifth.nextAttemptAtMs).toBeGreaterThan(at);
  });

  it('honours Retry-After', () => {
    const result = afterAttempt({ ...base, eventCount: 1 }, { kind: 'events', from: 1, to: 1 }, { kind: 'failed', reason: 'x', retryAfterMs: 42_000 }, at, 0);
    expect(result.nextAttemptAtMs).toBe(at + 42_000);
  });

  it('stops retrying after three days of failures, keeping the events', () => {
    const state = { ...base, eventCount: 2, consecutiveFailures: 20, failingSinceMs: at - 73 * 3_600_000 };
    const result = afterAttempt(state, { kind: 'events', from: 1, to: 1 }, { kind: 'failed', reason: 'the endpoint answered 500' }, at, 0);
    expect(result).toMatchObject({ status: 'error', nextAttemptAtMs: undefined, deliveredCount: 0, inflight: { from: 1, to: 1 } });
    expect(result.lastError).toContain('retries stopped');
  });

  it('turns off on 410 Gone', () => {
    const result = afterAttempt({ ...base, eventCount: 2 }, { kind: 'events', from: 1, to: 1 }, { kind: 'gone', httpStatus: 410 }, at, 0);
    expect(result).toMatchObject({ status: 'off', nextAttemptAtMs: undefined, deliveredCount: 0 });
  });
});
