import type { Bundle, Subscription, Task } from '@medplum/fhirtypes';
import { issueToken } from '../harness/auth';
import { bootTestApp, TestApp } from '../harness/test-app';
import { ControlledClock } from '../../src/platform/clock/clock';
import { backportSubscription, FhirClient, fhirClient, TOPIC } from './support/subscription-client';
import { sleep, waitUntil } from './support/wait';
import { eventNumbersOf, parameter, statusOf, WebhookReceiver } from './support/webhook-receiver';

interface DeliveryRow {
  status: string;
  consecutive_failures: number;
  next_attempt_at: Date | null;
  delivered_count: string;
  event_count: string;
  last_error: string | null;
}

/**
 * What a subscriber's endpoint does wrong, and what the service does about it. The clock is
 * controlled: retries become due when the test moves it, not after real minutes.
 */
describe('webhook delivery when the receiver fails', () => {
  const clock = new ControlledClock('2026-11-27T15:00:00-05:00');
  let service: TestApp;
  let receiver: WebhookReceiver;
  let fhir: FhirClient;

  beforeAll(async () => {
    service = await bootTestApp({ LIAISON_WEBHOOK_ALLOWLIST: '127.0.0.1' }, { clock });
    receiver = await new WebhookReceiver().start();
    fhir = fhirClient(service.baseUrl, (await issueToken(service, { scopes: ['system/*.*'] })).accessToken);
  });
  afterAll(async () => {
    await receiver?.stop();
    await service?.close();
  });

  /** Per endpoint name: how the receiver answers (default 200). */
  const behaviour = new Map<string, (index: number) => { status: number; headers?: Record<string, string>; delayMs?: number }>();
  beforeAll(() => {
    receiver.reply = (request) => {
      const name = request.path.replace('/hook/', '');
      const answer = behaviour.get(name);
      return answer ? answer(receiver.at(name).length - 1) : { status: 200 };
    };
  });

  async function subscribe(name: string, extra: { timeoutSeconds?: number } = {}): Promise<Subscription> {
    const created = await fhir.post<Subscription>('/Subscription', backportSubscription({ topic: TOPIC('task-created'), endpoint: receiver.urlFor(name), ...extra }));
    expect(created.status).toBe(201);
    await receiver.waitFor(() => receiver.at(name, 'handshake').length > 0);
    await waitUntil(() => row(created.body.id!), (r) => r.status !== 'requested', 5_000, 'the handshake outcome');
    return created.body;
  }

  async function row(id: string): Promise<DeliveryRow> {
    const [found] = await service.sql(
      `SELECT status, consecutive_failures, next_attempt_at, delivered_count, event_count, last_error FROM event_subscriptions WHERE id = $1`,
      [id],
    );
    return found as unknown as DeliveryRow;
  }

  async function createTask(): Promise<Task> {
    const created = await fhir.post<Task>('/Task', { resourceType: 'Task', status: 'requested', intent: 'order' });
    expect(created.status).toBe(201);
    return created.body;
  }

  it('retries a 500 with backoff, resending the same message id', async () => {
    behaviour.set('flaky', (i) => ({ status: i === 1 ? 500 : 200 }));
    const subscription = await subscribe('flaky');
    await createTask();
    await receiver.waitFor(() => receiver.at('flaky', 'event-notification').length === 1);
    const failed = await waitUntil(() => row(subscription.id!), (r) => r.consecutive_failures === 1, 5_000, 'the failure');
    const delay = failed.next_attempt_at!.getTime() - clock.now().getTime();
    expect(delay).toBeGreaterThanOrEqual(2_500);
    expect(delay).toBeLessThanOrEqual(5_000);
    expect(failed.status).toBe('active');
    expect(failed.last_error).toBe('the endpoint answered 500');
    await sleep(600);
    expect(receiver.at('flaky', 'event-notification')).toHaveLength(1);

    clock.advance(5_000);
    await receiver.waitFor(() => receiver.at('flaky', 'event-notification').length === 2);
    const [first, second] = receiver.at('flaky', 'event-notification');
    expect(second.headers['webhook-id']).toBe(first.headers['webhook-id']);
    expect(eventNumbersOf(second.bundle)).toEqual([1]);
    await waitUntil(() => row(subscription.id!), (r) => r.delivered_count === '1' && r.consecutive_failures === 0, 5_000, 'the acknowledgement');
  });

  it('honours 503 with Retry-After', async () => {
    behaviour.set('busy', (i) => (i === 1 ? { status: 503, headers: { 'retry-after': '120' } } : { status: 200 }));
    const subscription = await subscribe('busy');
    await createTask();
    const failed = await waitUntil(() => row(subscription.id!), (r) => r.consecutive_failures === 1, 5_000, 'the 503');
    expect(failed.next_attempt_at!.getTime() - clock.now().getTime()).toBe(120_000);
    clock.advance(60_000);
    await sleep(700);
    expect(receiver.at('busy', 'event-notification')).toHaveLength(1);
    clock.advance(60_000);
    await receiver.waitFor(() => receiver.at('busy', 'event-notification').length === 2);
    await waitUntil(() => row(subscription.id!), (r) => r.delivered_count === '1', 5_000, 'the delivery');
  });

  it('turns the subscription off on 410 Gone; re-requested, it catches up on what happened meanwhile', async () => {
    let gone = true;
    behaviour.set('gone', (i) => ({ status: i === 0 || !gone ? 200 : 410 }));
    const subscription = await subscribe('gone');
    await createTask();
    await waitUntil(() => row(subscription.id!), (r) => r.status === 'off', 5_000, 'off');
    const read = await fhir.get<Subscription>(`/Subscription/${subscription.id}`);
    expect(read.body.status).toBe('off');
    expect(read.body.error).toContain('410');
    const missed = await createTask();
    clock.advance(3_600_000);
    await sleep(700);
    expect(receiver.at('gone', 'event-notification')).toHaveLength(1);
    expect(eventNumbersOf((await fhir.get<Bundle>(`/Subscription/${subscription.id}/$events`)).body)).toEqual([1]);

    gone = false;
    const again = await fhir.put<Subscription>(`/Subscription/${subscription.id}`, { ...read.body, status: 'requested' });
    expect(again.status).toBe(200);
    expect(again.body.status).toBe('requested');
    // Event 1 was answered 410, never acknowledged: it is sent again, then the one missed while off.
    await receiver.waitFor(() => receiver.at('gone', 'event-notification').length === 3);
    const [, resent, catchUp] = receiver.at('gone', 'event-notification');
    expect(receiver.at('gone', 'handshake')).toHaveLength(2);
    expect(eventNumbersOf(resent.bundle)).toEqual([1]);
    expect(eventNumbersOf(catchUp.bundle)).toEqual([2]);
    expect(catchUp.bundle.entry![1].fullUrl).toMatch(new RegExp(`/Task/${missed.id}$`));
    expect(eventNumbersOf((await fhir.get<Bundle>(`/Subscription/${subscription.id}/$events`)).body)).toEqual([1, 2]);
  });

  it('fails a request that gets no answer within the timeout, and retries it', async () => {
    behaviour.set('slow', (i) => (i === 1 ? { status: 200, delayMs: 3_000 } : { status: 200 }));
    const subscription = await subscribe('slow', { timeoutSeconds: 1 });
    await createTask();
    const failed = await waitUntil(() => row(subscription.id!), (r) => r.consecutive_failures === 1, 5_000, 'the timeout');
    expect(failed.last_error).toBe('no answer within 1 s');
    expect(failed.delivered_count).toBe('0');
    clock.advance(10_000);
    await waitUntil(() => row(subscription.id!), (r) => r.delivered_count === '1', 5_000, 'the retry');
  });

  it('does not follow a redirect: it is a failure', async () => {
    behaviour.set('moved', (i) => (i === 1 ? { status: 307, headers: { location: receiver.urlFor('moved-here') } } : { status: 200 }));
    const subscription = await subscribe('moved');
    await createTask();
    const failed = await waitUntil(() => row(subscription.id!), (r) => r.consecutive_failures === 1, 5_000, 'the redirect');
    expect(failed.last_error).toContain('307');
    await sleep(300);
    expect(receiver.at('moved-here')).toHaveLength(0);
  });

  it('shows error after repeated failures, drops nothing, and resumes in order when the receiver is back', async () => {
    let down = true;
    behaviour.set('outage', (i) => ({ status: i === 0 || !down ? 200 : 500 }));
    const subscription = await subscribe('outage');
    for (let i = 0; i < 3; i++) await createTask();
    for (let failures = 1; failures <= 5; failures++) {
      const current = await waitUntil(() => row(subscription.id!), (r) => r.consecutive_failures === failures, 5_000, `failure ${failures}`);
      clock.set(new Date(current.next_attempt_at!.getTime()));
    }
    const errored = await row(subscription.id!);
    expect(errored.status).toBe('error');
    expect((await fhir.get<Subscription>(`/Subscription/${subscription.id}`)).body.status).toBe('error');
    const status = await fhir.get<Bundle>(`/Subscription/${subscription.id}/$status`);
    expect(parameter(status.body, 'status')).toBe('error');
    expect(statusOf(status.body).parameter!.some((p) => p.name === 'error')).toBe(true);
    const replay = await fhir.get<Bundle>(`/Subscription/${subscription.id}/$events?eventsSinceNumber=1`);
    expect(eventNumbersOf(replay.body)).toEqual([1, 2, 3]);

    down = false;
    clock.set(new Date(errored.next_attempt_at!.getTime()));
    await waitUntil(() => row(subscription.id!), (r) => r.delivered_count === '3', 10_000, 'the backlog');
    expect((await row(subscription.id!)).status).toBe('active');
    const attempts = receiver.at('outage', 'event-notification');
    const failedAttempts = attempts.slice(0, 5);
    expect(failedAttempts.flatMap((r) => eventNumbersOf(r.bundle))).toEqual([1, 1, 1, 1, 1]);
    expect(new Set(failedAttempts.map((r) => r.headers['webhook-id'])).size).toBe(1);
    expect(attempts.slice(5).flatMap((r) => eventNumbersOf(r.bundle))).toEqual([1, 2, 3]);
    expect((await fhir.get<Subscription>(`/Subscription/${subscription.id}`)).body.status).toBe('active');
  });

  it('puts a subscription whose handshake fails in error, and activates it when the handshake succeeds', async () => {
    behaviour.set('refusing', (i) => ({ status: i === 0 ? 500 : 200 }));
    const created = await fhir.post<Subscription>('/Subscription', backportSubscription({ topic: TOPIC('task-created'), endpoint: receiver.urlFor('refusing') }));
    const failed = await waitUntil(() => row(created.body.id!), (r) => r.consecutive_failures === 1, 5_000, 'the failed handshake');
    expect(failed.status).toBe('error');
    clock.advance(5_000);
    await waitUntil(() => row(created.body.id!), (r) => r.status === 'active', 5_000, 'active');
    expect(receiver.at('refusing', 'handshake')).toHaveLength(2);
  });
});
