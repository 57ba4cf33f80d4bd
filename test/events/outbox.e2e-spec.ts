import type { Bundle, Task } from '@medplum/fhirtypes';
import { Client } from 'pg';
import { issueToken } from '../harness/auth';
import { bootTestApp, TestApp } from '../harness/test-app';
import { FhirClient, fhirClient, TOPIC } from './support/subscription-client';
import { waitUntil } from './support/wait';

interface OutboxRow {
  tenant_id: string;
  sequence: string | null;
  resource_type: string;
  resource_id: string;
  version_id: number;
  interaction: string;
  topics: string[];
}

describe('the outbox: every committed change to an event type is an event, numbered per tenant', () => {
  let service: TestApp;
  let fhir: FhirClient;
  let other: FhirClient;

  beforeAll(async () => {
    service = await bootTestApp();
    fhir = fhirClient(service.baseUrl, (await issueToken(service, { scopes: ['system/*.*'] })).accessToken);
    other = fhirClient(service.baseUrl, (await issueToken(service, { tenant: 'outbox-b', scopes: ['system/*.*'] })).accessToken);
  });
  afterAll(async () => {
    await service?.close();
  });

  async function rows(where = 'TRUE', params: unknown[] = []): Promise<OutboxRow[]> {
    return (await service.sql(
      `SELECT tenant_id, sequence, resource_type, resource_id, version_id, interaction, topics FROM fhir_outbox WHERE ${where} ORDER BY id`,
      params,
    )) as unknown as OutboxRow[];
  }

  it('writes one row per change with its topics, for the five event types only', async () => {
    const task = (await fhir.post<Task>('/Task', { resourceType: 'Task', status: 'requested', intent: 'order' })).body;
    await fhir.put(`/Task/${task.id}`, { ...task, status: 'accepted' });
    await fhir.delete(`/Task/${task.id}`);
    const patient = (await fhir.post('/Patient', { resourceType: 'Patient' })).body;
    const written = await rows('resource_id = ANY($1)', [[task.id, patient.id]]);
    expect(written.map((r) => [r.resource_type, r.version_id, r.interaction, r.topics])).toEqual([
      ['Task', 1, 'create', [TOPIC('task-created'), TOPIC('task-changed')]],
      ['Task', 2, 'update', [TOPIC('task-status-changed'), TOPIC('task-changed')]],
      ['Task', 3, 'delete', [TOPIC('task-changed')]],
    ]);
  });

  it('writes nothing for a transaction that rolls back', async () => {
    const before = (await rows()).length;
    const failed = await fhir.post<Bundle>('/', {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        { resource: { resourceType: 'Task', status: 'requested', intent: 'order' }, request: { method: 'POST', url: 'Task' } },
        { resource: { resourceType: 'Task', status: 'not-a-status', intent: 'order' }, request: { method: 'POST', url: 'Task' } },
      ],
    });
    expect(failed.status).toBeGreaterThanOrEqual(400);
    expect((await rows()).length).toBe(before);
  });

  it('numbers events per tenant without gaps, under concurrent writers, in the order of each resource’s versions', async () => {
    const task = (await fhir.post<Task>('/Task', { resourceType: 'Task', status: 'ready', intent: 'order' })).body;
    await Promise.all([
      ...Array.from({ length: 30 }, () => fhir.post('/Task', { resourceType: 'Task', status: 'requested', intent: 'order' })),
      ...Array.from({ length: 15 }, () => other.post('/Task', { resourceType: 'Task', status: 'requested', intent: 'order' })),
      ...Array.from({ length: 10 }, (_, i) => fhir.put(`/Task/${task.id}`, { ...task, description: `concurrent ${i}` })),
    ]);
    const all = await waitUntil(() => rows(), (r) => r.every((row) => row.sequence !== null), 10_000, 'every row sequenced');
    for (const tenant of ['default', 'outbox-b']) {
      const sequences = all.filter((r) => r.tenant_id === tenant).map((r) => Number(r.sequence)).sort((a, b) => a - b);
      expect(sequences).toEqual(Array.from({ length: sequences.length }, (_, i) => i + 1));
    }
    expect(all.filter((r) => r.tenant_id === 'outbox-b')).toHaveLength(15);
    const versionsBySequence = all
      .filter((r) => r.resource_id === task.id)
      .sort((a, b) => Number(a.sequence) - Number(b.sequence))
      .map((r) => r.version_id);
    expect(versionsBySequence).toEqual(Array.from({ length: 11 }, (_, i) => i + 1));
    const [head] = await service.sql(`SELECT last_sequence FROM fhir_outbox_heads WHERE tenant_id = 'default'`);
    expect(Number(head.last_sequence)).toBe(all.filter((r) => r.tenant_id === 'default').length);
  });

  it('keeps the outbox under row-level security: a tenant sees only its own rows', async () => {
    const client = new Client({ connectionString: service.database.url });
    await client.connect();
    try {
      await client.query('BEGIN');
      await client.query(`SELECT set_config('role', 'liaison_tenant', true), set_config('app.tenant_id', 'outbox-b', true)`);
      const { rows: seen } = await client.query<{ tenant_id: string }>('SELECT DISTINCT tenant_id FROM fhir_outbox');
      expect(seen).toEqual([{ tenant_id: 'outbox-b' }]);
      await client.query('ROLLBACK');
    } finally {
      await client.end();
    }
  });
});
