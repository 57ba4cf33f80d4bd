import type { Task } from '@medplum/fhirtypes';
import { issueToken } from '../harness/auth';
import { bootTestApp, TestApp } from '../harness/test-app';
import { ChangeStream, type ChangeEvent } from '../../src/events';
import { fhirClient, FhirClient, TOPIC } from './support/subscription-client';
import { bootSecondInstance, Instance } from './support/second-instance';

/** Takes `count` events from a stream (failing after `timeoutMs`), then ends the iteration. */
async function take(stream: AsyncIterable<ChangeEvent>, count: number, timeoutMs = 10_000): Promise<ChangeEvent[]> {
  const events: ChangeEvent[] = [];
  const iterator = stream[Symbol.asyncIterator]();
  const deadline = Date.now() + timeoutMs;
  try {
    while (events.length < count) {
      let timer: NodeJS.Timeout | undefined;
      const next = await Promise.race([
        iterator.next(),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`got ${events.length} of ${count} events`)), Math.max(deadline - Date.now(), 1));
        }),
      ]).finally(() => clearTimeout(timer));
      if (next.done) break;
      events.push(next.value);
    }
  } finally {
    await iterator.return?.();
  }
  return events;
}

describe('ChangeStream (the live feed GraphQL subscriptions read)', () => {
  let first: TestApp;
  let second: Instance;
  let fhir: FhirClient;
  let otherTenant: FhirClient;

  beforeAll(async () => {
    first = await bootTestApp();
    second = await bootSecondInstance(first);
    fhir = fhirClient(first.baseUrl, (await issueToken(first, { scopes: ['system/*.*'] })).accessToken);
    otherTenant = fhirClient(first.baseUrl, (await issueToken(first, { tenant: 'other', scopes: ['system/*.*'] })).accessToken);
  });
  afterAll(async () => {
    await second?.close();
    await first?.close();
  });

  it('delivers changes written through one instance to a subscriber of another, in order, with the resource', async () => {
    const stream = second.app.get(ChangeStream).subscribe('default', (event) => event.resourceType === 'Task');
    const received = take(stream, 6);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const created = await fhir.post<Task>('/Task', { resourceType: 'Task', status: 'requested', intent: 'order' });
    await fhir.post('/Patient', { resourceType: 'Patient', name: [{ family: 'Stream' }] });
    let version = created.body;
    for (const status of ['accepted', 'in-progress', 'completed'] as const) {
      version = (await fhir.put<Task>(`/Task/${version.id}`, { ...version, status })).body;
    }
    await otherTenant.post('/Task', { resourceType: 'Task', status: 'requested', intent: 'order' });
    await Promise.all([1, 2].map(() => fhir.post<Task>('/Task', { resourceType: 'Task', status: 'requested', intent: 'order' })));
    const events = await received;

    expect(events.map((e) => e.tenantId)).toEqual(Array(6).fill('default'));
    const sequences = events.map((e) => e.sequence);
    expect(sequences).toEqual([...sequences].sort((a, b) => a - b));
    expect(new Set(sequences).size).toBe(6);
    expect(events.slice(0, 4).map((e) => [e.resourceId, e.versionId, e.topic])).toEqual([
      [created.body.id, '1', TOPIC('task-created')],
      [created.body.id, '2', TOPIC('task-status-changed')],
      [created.body.id, '3', TOPIC('task-status-changed')],
      [created.body.id, '4', TOPIC('task-status-changed')],
    ]);
    expect(events[3].topics).toEqual([TOPIC('task-status-changed'), TOPIC('task-changed')]);
    expect(events[3].resource).toMatchObject({ resourceType: 'Task', id: created.body.id, status: 'completed' });
    expect(events[0].interaction).toBe('create');
  });

  it('keeps tenants apart and applies each subscriber its own filter', async () => {
    const stream = second.app.get(ChangeStream);
    const others = take(stream.subscribe('other', () => true), 1);
    const completedOnly = take(stream.subscribe('default', (e) => e.topic === TOPIC('task-status-changed') && e.resource?.['status' as never] === 'completed'), 1);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const task = (await fhir.post<Task>('/Task', { resourceType: 'Task', status: 'ready', intent: 'order' })).body;
    await fhir.put(`/Task/${task.id}`, { ...task, status: 'completed' });
    const theirs = (await otherTenant.post<Task>('/Task', { resourceType: 'Task', status: 'requested', intent: 'order' })).body;
    expect((await others).map((e) => [e.tenantId, e.resourceId])).toEqual([['other', theirs.id]]);
    expect((await completedOnly).map((e) => [e.resourceId, e.versionId])).toEqual([[task.id, '2']]);
  });

  it('ends an iteration when the consumer returns, and keeps serving the others', async () => {
    const stream = first.app.get(ChangeStream);
    const iterator = stream.subscribe('default', () => true)[Symbol.asyncIterator]();
    const pending = iterator.next();
    await iterator.return?.();
    expect(await pending).toEqual({ value: undefined, done: true });
    const still = take(stream.subscribe('default', () => true), 1);
    await new Promise((resolve) => setTimeout(resolve, 300));
    await fhir.post('/Coverage', { resourceType: 'Coverage', status: 'active', beneficiary: { reference: 'Patient/x' }, payor: [{ display: 'Payer' }] });
    expect((await still).map((e) => e.topic)).toEqual([TOPIC('coverage-changed')]);
  });
});
