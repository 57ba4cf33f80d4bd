import type { Bundle, CapabilityStatement, OperationOutcome, Parameters, Subscription, Task } from '@medplum/fhirtypes';
import { Webhook } from 'standardwebhooks';
import { issueToken } from '../harness/auth';
import { bootTestApp, TestApp } from '../harness/test-app';
import { backportSubscription, FhirClient, fhirClient, SubscriptionOptions, TOPIC } from './support/subscription-client';
import { eventNumbersOf, focusesOf, parameter, statusOf, WebhookReceiver } from './support/webhook-receiver';

const SECRET_EXTENSION = 'http://liaison.health/fhir/StructureDefinition/webhook-secret';

function secretOf(subscription: Subscription): string {
  return subscription.channel.extension!.find((e) => e.url === SECRET_EXTENSION)!.valueString!;
}

describe('FHIR topic-based Subscriptions (R4 backport) with signed webhooks', () => {
  let service: TestApp;
  let receiver: WebhookReceiver;
  let fhir: FhirClient;

  beforeAll(async () => {
    service = await bootTestApp({ LIAISON_WEBHOOK_ALLOWLIST: '127.0.0.1' });
    receiver = await new WebhookReceiver().start();
    fhir = fhirClient(service.baseUrl, (await issueToken(service, { scopes: ['system/*.*'] })).accessToken);
  });
  afterAll(async () => {
    await receiver?.stop();
    await service?.close();
  });

  async function subscribe(name: string, options: Omit<SubscriptionOptions, 'endpoint'>): Promise<Subscription> {
    const created = await fhir.post<Subscription>('/Subscription', backportSubscription({ ...options, endpoint: receiver.urlFor(name) }));
    expect(created.status).toBe(201);
    await receiver.waitFor(() => receiver.at(name, 'handshake').length > 0, 10_000, `the handshake of ${name}`);
    return created.body;
  }

  async function createTask(task: Partial<Task> = {}): Promise<Task> {
    const created = await fhir.post<Task>('/Task', { resourceType: 'Task', status: 'requested', intent: 'order', ...task });
    expect(created.status).toBe(201);
    return created.body;
  }

  it('creates a Subscription as requested, handshakes with a signed notification, then shows it active', async () => {
    const created = await fhir.post<Subscription>('/Subscription', backportSubscription({ topic: TOPIC('task-created'), endpoint: receiver.urlFor('handshake') }));
    expect(created.status).toBe(201);
    expect(created.headers.get('location')).toMatch(new RegExp(`/fhir/R4/Subscription/${created.body.id}/_history/1$`));
    expect(created.body.status).toBe('requested');
    const secret = secretOf(created.body);
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);

    await receiver.waitFor(() => receiver.at('handshake').length === 1);
    const [handshake] = receiver.at('handshake');
    expect(handshake.headers['content-type']).toBe('application/fhir+json');
    expect(() => new Webhook(secret).verify(handshake.body, handshake.headers as Record<string, string>)).not.toThrow();
    expect(() => new Webhook(`whsec_${Buffer.alloc(32, 1).toString('base64')}`).verify(handshake.body, handshake.headers as Record<string, string>)).toThrow();
    expect(handshake.bundle.type).toBe('history');
    expect(statusOf(handshake.bundle).resourceType).toBe('Parameters');
    expect(parameter(handshake.bundle, 'type')).toBe('handshake');
    expect(parameter(handshake.bundle, 'status')).toBe('requested');
    expect(parameter(handshake.bundle, 'events-since-subscription-start')).toBe('0');
    expect(parameter(handshake.bundle, 'subscription')).toBe(`${service.baseUrl}/fhir/R4/Subscription/${created.body.id}`);

    let read = await fhir.get<Subscription>(`/Subscription/${created.body.id}`);
    for (let i = 0; i < 50 && read.body.status !== 'active'; i++) {
      await new Promise((r) => setTimeout(r, 100));
      read = await fhir.get<Subscription>(`/Subscription/${created.body.id}`);
    }
    expect(read.body.status).toBe('active');
    expect(JSON.stringify(read.body)).not.toContain(secret);
    const status = await fhir.get<Bundle>(`/Subscription/${created.body.id}/$status`);
    expect(status.body.type).toBe('searchset');
    expect(parameter(status.body, 'status')).toBe('active');
    expect(parameter(status.body, 'type')).toBe('query-status');
  });

  it('sends each payload type as the IG says: empty, id-only, full-resource', async () => {
    await subscribe('empty', { topic: TOPIC('task-created'), payload: 'empty' });
    await subscribe('id-only', { topic: TOPIC('task-created'), payload: 'id-only' });
    await subscribe('full', { topic: TOPIC('task-created'), payload: 'full-resource' });
    const task = await createTask({ description: 'call the patient' });
    for (const name of ['empty', 'id-only', 'full']) {
      await receiver.waitFor(() => receiver.at(name, 'event-notification').length === 1, 10_000, `the event of ${name}`);
    }
    const taskUrl = `${service.baseUrl}/fhir/R4/Task/${task.id}`;

    const empty = receiver.at('empty', 'event-notification')[0].bundle;
    expect(empty.entry).toHaveLength(1);
    expect(eventNumbersOf(empty)).toEqual([1]);
    expect(focusesOf(empty)).toEqual([]);
    expect(parameter(empty, 'topic')).toBeUndefined();

    const idOnly = receiver.at('id-only', 'event-notification')[0].bundle;
    expect(focusesOf(idOnly)).toEqual([taskUrl]);
    expect(parameter(idOnly, 'topic')).toBe(TOPIC('task-created'));
    expect(idOnly.entry).toHaveLength(2);
    expect(idOnly.entry![1]).toEqual({ fullUrl: taskUrl, request: { method: 'POST', url: 'Task' }, response: expect.objectContaining({ status: '201', etag: 'W/"1"' }) });

    const full = receiver.at('full', 'event-notification')[0].bundle;
    expect(focusesOf(full)).toEqual([taskUrl]);
    expect(full.entry![1].fullUrl).toBe(taskUrl);
    expect(full.entry![1].resource).toEqual(task);
  });

  it('applies filters: only the owner, patient and status asked for', async () => {
    const owner = await subscribe('owner', { topic: TOPIC('task-changed'), filters: ['Task?owner=Practitioner/nurse-1'] });
    const stored = await fhir.get<Subscription & { _criteria?: { extension?: { valueString?: string }[] } }>(`/Subscription/${owner.id}`);
    expect(stored.body._criteria?.extension?.map((e) => e.valueString)).toEqual(['Task?owner=Practitioner/nurse-1']);
    await subscribe('patient-status', { topic: TOPIC('task-changed'), filters: ['patient=Patient/p-1', 'status=ready,in-progress'] });
    const mine = await createTask({ owner: { reference: 'Practitioner/nurse-1' } });
    await createTask({ owner: { reference: 'Practitioner/nurse-2' } });
    const ready = await createTask({ status: 'ready', for: { reference: 'Patient/p-1' } });
    await createTask({ status: 'requested', for: { reference: 'Patient/p-1' } });
    await createTask({ status: 'ready', for: { reference: 'Patient/p-2' } });
    const marker = await createTask({ status: 'in-progress', for: { reference: 'Patient/p-1' }, owner: { reference: 'Practitioner/nurse-1' } });
    const focus = (id: string | undefined): string => `${service.baseUrl}/fhir/R4/Task/${id}`;
    await receiver.waitFor(() => receiver.at('owner', 'event-notification').some((r) => focusesOf(r.bundle).includes(focus(marker.id))));
    await receiver.waitFor(() => receiver.at('patient-status', 'event-notification').some((r) => focusesOf(r.bundle).includes(focus(marker.id))));
    expect(receiver.at('owner', 'event-notification').flatMap((r) => focusesOf(r.bundle))).toEqual([focus(mine.id), focus(marker.id)]);
    expect(receiver.at('patient-status', 'event-notification').flatMap((r) => focusesOf(r.bundle))).toEqual([focus(ready.id), focus(marker.id)]);
  });

  it('delivers in order, numbering events 1, 2, 3… and batching up to max-count', async () => {
    const subscription = await subscribe('ordered', { topic: TOPIC('task-changed'), maxCount: 3 });
    const task = await createTask({ status: 'ready' });
    let version = task;
    for (let i = 0; i < 10; i++) {
      const updated = await fhir.put<Task>(`/Task/${task.id}`, { ...version, description: `edit ${i}` });
      expect(updated.status).toBe(200);
      version = updated.body;
    }
    await Promise.all(Array.from({ length: 9 }, () => createTask()));
    await receiver.waitFor(() => receiver.at('ordered', 'event-notification').flatMap((r) => eventNumbersOf(r.bundle)).length >= 20, 15_000, '20 events');
    const notifications = receiver.at('ordered', 'event-notification');
    expect(notifications.flatMap((r) => eventNumbersOf(r.bundle))).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    expect(notifications.every((r) => eventNumbersOf(r.bundle).length <= 3)).toBe(true);
    const versions = notifications
      .flatMap((r) => r.bundle.entry!.slice(1))
      .filter((e) => e.fullUrl?.endsWith(`/Task/${task.id}`))
      .map((e) => Number(e.response?.etag?.replace(/\D/g, '')));
    expect(versions).toEqual(Array.from({ length: 11 }, (_, i) => i + 1));
    expect(new Set(notifications.map((r) => r.headers['webhook-id'])).size).toBe(notifications.length);

    const status = await fhir.get<Bundle>(`/Subscription/${subscription.id}/$status`);
    expect(parameter(status.body, 'events-since-subscription-start')).toBe('20');
  });

  it('sends heartbeats when a subscription has been quiet for its period', async () => {
    const started = Date.now();
    await subscribe('heartbeat', { topic: TOPIC('careplan-completed'), heartbeatSeconds: 1 });
    await receiver.waitFor(() => receiver.at('heartbeat', 'heartbeat').length >= 2, 5_000, 'two heartbeats');
    const [first, second] = receiver.at('heartbeat', 'heartbeat');
    expect(second.receivedAt - first.receivedAt).toBeGreaterThanOrEqual(900);
    expect(first.receivedAt - started).toBeGreaterThanOrEqual(900);
    expect(parameter(first.bundle, 'status')).toBe('active');
    expect(parameter(first.bundle, 'events-since-subscription-start')).toBe('0');
    expect(first.bundle.entry).toHaveLength(1);
    expect(first.headers['webhook-id']).not.toBe(second.headers['webhook-id']);
  });

  it('catches up on thousands of events, in order, when a paused subscription is resumed', async () => {
    const paused = await fhir.post<Subscription>('/Subscription', { ...backportSubscription({ topic: TOPIC('task-created'), endpoint: receiver.urlFor('resumed'), maxCount: 100 }), status: 'off' });
    expect(paused.body.status).toBe('off');
    const bundle = await fhir.post<Bundle>('/', {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: Array.from({ length: 2500 }, () => ({ resource: { resourceType: 'Task', status: 'requested', intent: 'order' }, request: { method: 'POST', url: 'Task' } })),
    });
    expect(bundle.status).toBe(200);
    const resumed = await fhir.put<Subscription>(`/Subscription/${paused.body.id}`, { ...paused.body, status: 'requested' });
    expect(resumed.status).toBe(200);
    await receiver.waitFor(() => receiver.at('resumed', 'event-notification').flatMap((r) => eventNumbersOf(r.bundle)).length >= 2500, 30_000, '2,500 events');
    expect(receiver.at('resumed', 'event-notification').flatMap((r) => eventNumbersOf(r.bundle))).toEqual(Array.from({ length: 2500 }, (_, i) => i + 1));
    const numbered = await service.sql(`SELECT sequence FROM event_subscription_events WHERE subscription_id = $1 ORDER BY event_number`, [paused.body.id]);
    const sequences = numbered.map((r) => Number(r.sequence));
    expect(sequences).toEqual([...sequences].sort((a, b) => a - b));
    const created = new Set(bundle.body.entry!.map((e) => e.response!.location!.split('/')[1]));
    const focused = receiver.at('resumed', 'event-notification').flatMap((r) => focusesOf(r.bundle).map((f) => f.split('/').pop()!));
    expect(new Set(focused)).toEqual(created);
  }, 60_000);

  it('replays a range of events with $events', async () => {
    const subscription = await subscribe('replay', { topic: TOPIC('task-created') });
    const tasks: Task[] = [];
    for (let i = 0; i < 6; i++) tasks.push(await createTask({ description: `replay ${i}` }));
    await receiver.waitFor(() => receiver.at('replay', 'event-notification').length === 6);
    const replay = await fhir.get<Bundle>(`/Subscription/${subscription.id}/$events?eventsSinceNumber=3&eventsUntilNumber=5&content=full-resource`);
    expect(replay.status).toBe(200);
    expect(replay.body.type).toBe('history');
    expect(parameter(replay.body, 'type')).toBe('query-event');
    expect(eventNumbersOf(replay.body)).toEqual([3, 4, 5]);
    expect(replay.body.entry!.slice(1).map((e) => (e.resource as Task).id)).toEqual([tasks[2].id, tasks[3].id, tasks[4].id]);
    const byPost = await fhir.post<Bundle>(`/Subscription/${subscription.id}/$events`, {
      resourceType: 'Parameters',
      parameter: [{ name: 'eventsSinceNumber', valueString: '6' }],
    });
    expect(eventNumbersOf(byPost.body)).toEqual([6]);
    const invalid = await fhir.get<OperationOutcome>(`/Subscription/${subscription.id}/$events?eventsSinceNumber=zero`);
    expect(invalid.status).toBe(400);
  });

  it('signs with a secret the client sets, and with both secrets during a rotation', async () => {
    const chosen = `whsec_${Buffer.alloc(32, 9).toString('base64')}`;
    const subscription = await subscribe('rotation', { topic: TOPIC('task-created'), secret: chosen });
    const [handshake] = receiver.at('rotation', 'handshake');
    expect(() => new Webhook(chosen).verify(handshake.body, handshake.headers as Record<string, string>)).not.toThrow();
    const rotated = await fhir.post<Parameters>(`/Subscription/${subscription.id}/$rotate-secret`, { resourceType: 'Parameters' });
    expect(rotated.status).toBe(200);
    const fresh = rotated.body.parameter!.find((p) => p.name === 'secret')!.valueString!;
    expect(fresh).not.toBe(chosen);
    await createTask();
    await receiver.waitFor(() => receiver.at('rotation', 'event-notification').length === 1);
    const [event] = receiver.at('rotation', 'event-notification');
    expect((event.headers['webhook-signature'] as string).split(' ')).toHaveLength(2);
    expect(() => new Webhook(fresh).verify(event.body, event.headers as Record<string, string>)).not.toThrow();
    expect(() => new Webhook(chosen).verify(event.body, event.headers as Record<string, string>)).not.toThrow();
  });

  it('refuses what it cannot serve, naming the element', async () => {
    const unknown = await fhir.post<OperationOutcome>('/Subscription', backportSubscription({ topic: 'http://example.org/SubscriptionTopic/admission', endpoint: receiver.url }));
    expect(unknown.status).toBe(400);
    expect(unknown.body.issue[0].expression).toEqual(['Subscription.criteria']);
    const privateEndpoint = await fhir.post<OperationOutcome>('/Subscription', backportSubscription({ topic: TOPIC('task-created'), endpoint: 'http://10.1.2.3/hook' }));
    expect(privateEndpoint.status).toBe(400);
    expect(privateEndpoint.body.issue[0].expression).toEqual(['Subscription.channel.endpoint']);
    expect(privateEndpoint.body.issue[0].details?.text).toContain('private');
    const badFilter = await fhir.post<OperationOutcome>('/Subscription', backportSubscription({ topic: TOPIC('careplan-changed'), endpoint: receiver.url, filters: ['owner=Practitioner/1'] }));
    expect(badFilter.status).toBe(400);
    const subscriptions = await fhir.get<Bundle>('/Subscription?_count=100');
    const patched = await fhir.http(`/Subscription/${subscriptions.body.entry![0].resource!.id}`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/json-patch+json' },
      body: JSON.stringify([{ op: 'replace', path: '/status', value: 'active' }]),
    });
    expect(patched.status).toBe(405);
  });

  it('lets a client subscribe only to what it may read', async () => {
    const limited = fhirClient(service.baseUrl, (await issueToken(service, { scopes: ['system/Subscription.cruds', 'system/CarePlan.rs'] })).accessToken);
    const refused = await limited.post<OperationOutcome>('/Subscription', backportSubscription({ topic: TOPIC('task-created'), endpoint: receiver.url }));
    expect(refused.status).toBe(403);
    const allowed = await limited.post<Subscription>('/Subscription', backportSubscription({ topic: TOPIC('careplan-created'), endpoint: receiver.urlFor('limited') }));
    expect(allowed.status).toBe(201);
  });

  it('serves the topics as Basic resources and advertises them in the CapabilityStatement', async () => {
    const metadata = (await (await fetch(`${service.baseUrl}/fhir/R4/metadata`)).json()) as CapabilityStatement;
    const subscription = metadata.rest![0].resource!.find((r) => r.type === 'Subscription')!;
    const canonicals = subscription.extension!.filter((e) => e.url === 'http://hl7.org/fhir/uv/subscriptions-backport/StructureDefinition/capabilitystatement-subscriptiontopic-canonical');
    expect(canonicals.map((e) => e.valueCanonical)).toEqual(
      expect.arrayContaining([TOPIC('careplan-created'), TOPIC('careplan-changed'), TOPIC('careplan-completed'), TOPIC('task-created'), TOPIC('task-status-changed'), TOPIC('task-overdue'), TOPIC('referral-changed'), TOPIC('encounter-admitted'), TOPIC('encounter-discharged'), TOPIC('coverage-changed')]),
    );
    expect(subscription.operation?.map((o) => o.name)).toEqual(expect.arrayContaining(['status', 'events']));

    const topics = await fhir.get<Bundle>('/Basic?code=http://hl7.org/fhir/fhir-types|SubscriptionTopic');
    expect(topics.status).toBe(200);
    expect(topics.body.total).toBe(canonicals.length);
    const one = await fhir.get<{ resourceType: string; id: string }>('/Basic/task-overdue');
    expect(one.body).toMatchObject({ resourceType: 'Basic', id: 'task-overdue' });
    expect((await fhir.get('/Basic/nothing-here')).status).toBe(404);
    expect((await fhir.get<Bundle>(`/Basic?url=${encodeURIComponent(TOPIC('coverage-changed'))}`)).body.total).toBe(1);
  });
});
