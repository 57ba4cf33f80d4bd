import type { Bundle, OperationOutcome, Subscription, Task } from '@medplum/fhirtypes';
import { issueToken } from '../harness/auth';
import { bootTestApp, TestApp } from '../harness/test-app';
import { backportSubscription, FhirClient, fhirClient, TOPIC } from './support/subscription-client';
import { sleep, waitUntil } from './support/wait';
import { focusesOf, WebhookReceiver } from './support/webhook-receiver';

describe('subscriptions and tenants, and authorization at delivery', () => {
  let service: TestApp;
  let receiver: WebhookReceiver;
  let tenantA: FhirClient;
  let tenantB: FhirClient;

  beforeAll(async () => {
    service = await bootTestApp({ LIAISON_WEBHOOK_ALLOWLIST: '127.0.0.1' });
    receiver = await new WebhookReceiver().start();
    tenantA = fhirClient(service.baseUrl, (await issueToken(service, { tenant: 'tenant-a', scopes: ['system/*.*'] })).accessToken);
    tenantB = fhirClient(service.baseUrl, (await issueToken(service, { tenant: 'tenant-b', scopes: ['system/*.*'] })).accessToken);
  });
  afterAll(async () => {
    await receiver?.stop();
    await service?.close();
  });

  async function subscribe(client: FhirClient, name: string): Promise<Subscription> {
    const created = await client.post<Subscription>('/Subscription', backportSubscription({ topic: TOPIC('task-changed'), endpoint: receiver.urlFor(name), payload: 'full-resource' }));
    expect(created.status).toBe(201);
    await receiver.waitFor(() => receiver.at(name, 'handshake').length === 1);
    return created.body;
  }

  it("never sends tenant B's events to tenant A's subscriber (nor the other way round)", async () => {
    const a = await subscribe(tenantA, 'a');
    const b = await subscribe(tenantB, 'b');
    const ids = { a: [] as string[], b: [] as string[] };
    for (let i = 0; i < 5; i++) {
      ids.a.push((await tenantA.post<Task>('/Task', { resourceType: 'Task', status: 'requested', intent: 'order' })).body.id!);
      ids.b.push((await tenantB.post<Task>('/Task', { resourceType: 'Task', status: 'requested', intent: 'order' })).body.id!);
    }
    await receiver.waitFor(() => receiver.at('a', 'event-notification').length === 5 && receiver.at('b', 'event-notification').length === 5);
    await sleep(500);
    const focusIds = (name: string): string[] => receiver.at(name, 'event-notification').flatMap((r) => focusesOf(r.bundle).map((f) => f.split('/').pop()!));
    expect(focusIds('a')).toEqual(ids.a);
    expect(focusIds('b')).toEqual(ids.b);

    const foreign = await tenantB.get<OperationOutcome>(`/Subscription/${a.id}/$events`);
    expect(foreign.status).toBe(404);
    expect((await tenantB.get(`/Subscription/${a.id}/$status`)).status).toBe(404);
    expect((await tenantB.get(`/Subscription/${a.id}`)).status).toBe(404);
    const status = await tenantA.get<Bundle>('/Subscription/$status');
    expect(status.body.entry?.map((e) => JSON.stringify(e.resource))).toEqual([expect.stringContaining(a.id!)]);
    expect(JSON.stringify(status.body)).not.toContain(b.id!);
  });

  it('stops delivering when the subscribing client may no longer read the topic’s resources', async () => {
    const issued = await issueToken(service, { tenant: 'tenant-a', scopes: ['system/Subscription.cruds', 'system/Task.cruds'] });
    const client = fhirClient(service.baseUrl, issued.accessToken);
    const subscription = await subscribe(client, 'revoked');
    await tenantA.post('/Task', { resourceType: 'Task', status: 'requested', intent: 'order' });
    await receiver.waitFor(() => receiver.at('revoked', 'event-notification').length === 1);

    await service.sql(`UPDATE api_clients SET scopes = $2 WHERE client_id = $1`, [issued.clientId, ['system/Subscription.cruds']]);
    await sleep(5_200); // the client list is cached for 5 s
    await tenantA.post('/Task', { resourceType: 'Task', status: 'requested', intent: 'order' });
    const errored = await waitUntil(
      () => tenantA.get<Subscription>(`/Subscription/${subscription.id}`),
      (read) => read.body.status === 'error',
      10_000,
      'the subscription in error',
    );
    expect(errored.body.error).toContain('may no longer read Task');
    await sleep(500);
    expect(receiver.at('revoked', 'event-notification')).toHaveLength(1);
  }, 30_000);
});
