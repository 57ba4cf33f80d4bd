import { OperationOutcomeError } from '@medplum/core';
import type { Bundle, CarePlan, OperationOutcome, Patient, Task } from '@medplum/fhirtypes';
import { bootTestApp, TestApp } from '../harness/test-app';
import { errorExpressions, fhirClient, FhirTestClient } from './support/fhir-clients';

const MRN = 'http://hospital.example/mrn';
const PATIENT_URN = 'urn:uuid:9d7c2f0e-5b1a-4c3d-8e2f-000000000001';
const PLAN_URN = 'urn:uuid:9d7c2f0e-5b1a-4c3d-8e2f-000000000002';
const TASK_URN = 'urn:uuid:9d7c2f0e-5b1a-4c3d-8e2f-000000000003';

function base64(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64');
}

describe('FHIR batch and transaction Bundles', () => {
  let service: TestApp;
  let client: FhirTestClient;

  beforeAll(async () => {
    service = await bootTestApp();
    client = await fhirClient(service);
  });
  afterAll(() => service.close());

  async function count(type: string): Promise<number> {
    const [row] = await service.sql(`SELECT count(*)::int AS n FROM fhir_resources WHERE resource_type = $1 AND NOT deleted`, [type]);
    return Number(row.n);
  }

  it('commits a transaction with urn:uuid references rewritten across entries (MedplumClient)', async () => {
    const response = await client.medplum.executeBatch({
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        {
          fullUrl: TASK_URN,
          resource: { resourceType: 'Task', status: 'requested', intent: 'order', for: { reference: PATIENT_URN }, basedOn: [{ reference: PLAN_URN }] },
          request: { method: 'POST', url: 'Task' },
        },
        {
          fullUrl: PLAN_URN,
          resource: {
            resourceType: 'CarePlan',
            status: 'active',
            intent: 'plan',
            subject: { reference: PATIENT_URN },
            activity: [{ reference: { reference: TASK_URN } }],
          },
          request: { method: 'POST', url: 'CarePlan' },
        },
        {
          fullUrl: PATIENT_URN,
          resource: { resourceType: 'Patient', identifier: [{ system: MRN, value: 'TX-1' }], name: [{ family: 'Transacted' }] },
          request: { method: 'POST', url: 'Patient' },
        },
      ],
    });
    expect(response.type).toBe('transaction-response');
    expect(response.entry?.map((e) => e.response?.status)).toEqual(['201 Created', '201 Created', '201 Created']);
    const [task, plan, patient] = response.entry!.map((e) => e.resource!) as [Task, CarePlan, Patient];
    expect(response.entry?.[0].response).toMatchObject({ location: `Task/${task.id}/_history/1`, etag: 'W/"1"', lastModified: task.meta?.lastUpdated });
    expect(task.for?.reference).toBe(`Patient/${patient.id}`);
    expect(task.basedOn?.[0].reference).toBe(`CarePlan/${plan.id}`);
    expect(plan.activity?.[0].reference?.reference).toBe(`Task/${task.id}`);
    const stored = (await client.medplum.readResource('Task', task.id!)) as Task;
    expect(stored.for?.reference).toBe(`Patient/${patient.id}`);
  });

  it('resolves conditional references and conditional creates against stored resources', async () => {
    const existing = await client.medplum.createResource<Patient>({ resourceType: 'Patient', identifier: [{ system: MRN, value: 'TX-2' }] });
    const response = await client.medplum.executeBatch({
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        {
          fullUrl: PATIENT_URN,
          resource: { resourceType: 'Patient', identifier: [{ system: MRN, value: 'TX-2' }] },
          request: { method: 'POST', url: 'Patient', ifNoneExist: `identifier=${MRN}|TX-2` },
        },
        {
          resource: { resourceType: 'Task', status: 'requested', intent: 'order', for: { reference: PATIENT_URN } },
          request: { method: 'POST', url: 'Task' },
        },
        {
          resource: { resourceType: 'Task', status: 'requested', intent: 'order', for: { reference: `Patient?identifier=${MRN}|TX-2` } },
          request: { method: 'POST', url: 'Task' },
        },
      ],
    });
    expect(response.entry?.map((e) => e.response?.status)).toEqual(['200 OK', '201 Created', '201 Created']);
    expect(response.entry?.[0].resource?.id).toBe(existing.id);
    expect((response.entry?.[1].resource as Task).for?.reference).toBe(`Patient/${existing.id}`);
    expect((response.entry?.[2].resource as Task).for?.reference).toBe(`Patient/${existing.id}`);
  });

  it('is all or nothing: one invalid entry fails the transaction, names the entry, and stores nothing', async () => {
    const tasksBefore = await count('Task');
    const patientsBefore = await count('Patient');
    const response = await client.http('', {
      method: 'POST',
      body: JSON.stringify({
        resourceType: 'Bundle',
        type: 'transaction',
        entry: [
          { resource: { resourceType: 'Patient', name: [{ family: 'Doomed' }] }, request: { method: 'POST', url: 'Patient' } },
          { resource: { resourceType: 'Task', status: 'requested', intent: 'order' }, request: { method: 'POST', url: 'Task' } },
          { resource: { resourceType: 'Task', status: 'not-a-status' as never, intent: 'order' }, request: { method: 'POST', url: 'Task' } },
        ],
      } satisfies Bundle),
    });
    expect(response.status).toBe(400);
    const outcome = (await response.json()) as OperationOutcome;
    expect(errorExpressions(outcome)).toEqual(['Bundle.entry[2].resource.status']);
    expect(await count('Task')).toBe(tasksBefore);
    expect(await count('Patient')).toBe(patientsBefore);
  });

  it('rolls back writes already made when a later entry fails (412 on a stale If-Match)', async () => {
    const patient = await client.medplum.createResource<Patient>({ resourceType: 'Patient', name: [{ family: 'Before' }] });
    const updated = await client.medplum.updateResource({ ...patient, name: [{ family: 'Current' }] });
    const response = await client.http('', {
      method: 'POST',
      body: JSON.stringify({
        resourceType: 'Bundle',
        type: 'transaction',
        entry: [
          { resource: { resourceType: 'Organization', name: 'Rolled back' }, request: { method: 'POST', url: 'Organization' } },
          { resource: { ...updated, name: [{ family: 'Stale write' }] }, request: { method: 'PUT', url: `Patient/${patient.id}`, ifMatch: 'W/"1"' } },
        ],
      }),
    });
    expect(response.status).toBe(412);
    expect((await client.medplum.readResource('Patient', patient.id!)).name?.[0].family).toBe('Current');
    expect(await service.sql(`SELECT 1 FROM fhir_resources WHERE content->>'name' = 'Rolled back'`)).toHaveLength(0);
  });

  it('processes DELETE, POST, PUT/PATCH, GET in that order, answering in the request order', async () => {
    const doomed = await client.medplum.createResource<Patient>({ resourceType: 'Patient', identifier: [{ system: MRN, value: 'TX-ORDER' }] });
    const patched = await client.medplum.createResource<Patient>({ resourceType: 'Patient', name: [{ family: 'Patchme' }] });
    const response = await client.medplum.executeBatch({
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        { request: { method: 'GET', url: `Patient/${patched.id}` } },
        {
          resource: { resourceType: 'Binary', contentType: 'application/json-patch+json', data: base64([{ op: 'add', path: '/gender', value: 'other' }]) },
          request: { method: 'PATCH', url: `Patient/${patched.id}` },
        },
        // Only possible because the DELETE below runs first and frees the identifier.
        { resource: { resourceType: 'Patient', identifier: [{ system: MRN, value: 'TX-ORDER' }] }, request: { method: 'POST', url: 'Patient' } },
        { request: { method: 'DELETE', url: `Patient/${doomed.id}` } },
        { resource: { resourceType: 'Location', id: 'tx-room', name: 'Room' }, request: { method: 'PUT', url: 'Location/tx-room' } },
      ],
    });
    expect(response.entry?.map((e) => e.response?.status)).toEqual(['200 OK', '200 OK', '201 Created', '200 OK', '201 Created']);
    expect((response.entry?.[0].resource as Patient).gender).toBe('other');
    expect((await client.http(`/Patient/${doomed.id}`)).status).toBe(410);
  });

  it('runs batch entries independently: one failure leaves the others committed', async () => {
    const response = await client.medplum.executeBatch({
      resourceType: 'Bundle',
      type: 'batch',
      entry: [
        { resource: { resourceType: 'Organization', name: 'Batch one' }, request: { method: 'POST', url: 'Organization' } },
        { resource: { resourceType: 'Organization', name: 'Batch two', active: 'yes' as never }, request: { method: 'POST', url: 'Organization' } },
        { request: { method: 'GET', url: 'Organization/missing' } },
        { request: { method: 'GET', url: 'Nope/1' } },
        { request: { method: 'POST', url: 'Organization' } },
        { resource: { resourceType: 'Organization', name: 'Batch three' }, request: { method: 'POST', url: 'Organization' } },
      ],
    });
    expect(response.type).toBe('batch-response');
    expect(response.entry?.map((e) => e.response?.status)).toEqual(['201 Created', '400 Bad Request', '404 Not Found', '404 Not Found', '400 Bad Request', '201 Created']);
    expect(response.entry?.[1].response?.outcome?.resourceType).toBe('OperationOutcome');
    const names = await service.sql(`SELECT content->>'name' AS name FROM fhir_resources WHERE content->>'name' LIKE 'Batch %' ORDER BY 1`);
    expect(names.map((r) => r.name)).toEqual(['Batch one', 'Batch three']);
  });

  it('leaves Subscription writes to their own endpoint, in a batch and in a transaction', async () => {
    const subscription = {
      resourceType: 'Subscription',
      status: 'requested',
      reason: 'bundle test',
      criteria: 'http://liaison.health/fhir/SubscriptionTopic/task-status-changed',
      channel: { type: 'rest-hook', endpoint: 'http://127.0.0.1:9/hook', payload: 'application/fhir+json' },
    };
    const batch = await client.medplum.executeBatch({
      resourceType: 'Bundle',
      type: 'batch',
      entry: [
        { resource: subscription as never, request: { method: 'POST', url: 'Subscription' } },
        { request: { method: 'GET', url: 'Subscription' } },
      ],
    });
    expect(batch.entry?.map((e) => e.response?.status)).toEqual(['400 Bad Request', '200 OK']);
    await expect(
      client.medplum.executeBatch({
        resourceType: 'Bundle',
        type: 'transaction',
        entry: [{ resource: subscription as never, request: { method: 'POST', url: 'Subscription' } }],
      }),
    ).rejects.toThrow(/Subscription/);
    expect(await count('Subscription')).toBe(0);
  });

  it('honours Prefer: return=minimal in the response entries', async () => {
    const response = await client.http('', {
      method: 'POST',
      headers: { prefer: 'return=minimal' },
      body: JSON.stringify({
        resourceType: 'Bundle',
        type: 'transaction',
        entry: [{ resource: { resourceType: 'Organization', name: 'Minimal' }, request: { method: 'POST', url: 'Organization' } }],
      }),
    });
    const bundle = (await response.json()) as Bundle;
    expect(bundle.entry?.[0].resource).toBeUndefined();
    expect(bundle.entry?.[0].response?.location).toMatch(/^Organization\/[0-9a-f-]{36}\/_history\/1$/);
  });

  it('refuses what is not a batch or transaction, dangling urn:uuid references, and duplicate writes', async () => {
    const collection = await client.http('', { method: 'POST', body: JSON.stringify({ resourceType: 'Bundle', type: 'collection' }) });
    expect(collection.status).toBe(400);
    const dangling = await client.http('', {
      method: 'POST',
      body: JSON.stringify({
        resourceType: 'Bundle',
        type: 'transaction',
        entry: [{ resource: { resourceType: 'Task', status: 'requested', intent: 'order', for: { reference: PATIENT_URN } }, request: { method: 'POST', url: 'Task' } }],
      }),
    });
    expect(dangling.status).toBe(400);
    const twice = await client.http('', {
      method: 'POST',
      body: JSON.stringify({
        resourceType: 'Bundle',
        type: 'transaction',
        entry: [
          { resource: { resourceType: 'Location', id: 'same', name: 'A' }, request: { method: 'PUT', url: 'Location/same' } },
          { resource: { resourceType: 'Location', id: 'same', name: 'B' }, request: { method: 'PUT', url: 'Location/same' } },
        ],
      }),
    });
    expect(twice.status).toBe(400);
    const noMatch = await client.http('', {
      method: 'POST',
      body: JSON.stringify({
        resourceType: 'Bundle',
        type: 'transaction',
        entry: [
          {
            resource: { resourceType: 'Task', status: 'requested', intent: 'order', for: { reference: `Patient?identifier=${MRN}|NOBODY` } },
            request: { method: 'POST', url: 'Task' },
          },
        ],
      }),
    });
    expect(noMatch.status).toBe(412);
  });

  it('checks the scope of every entry', async () => {
    const reader = await fhirClient(service, { tenant: client.tenantId, scopes: ['system/*.rs'] });
    try {
      await reader.medplum.executeBatch({
        resourceType: 'Bundle',
        type: 'transaction',
        entry: [{ resource: { resourceType: 'Organization', name: 'Forbidden' }, request: { method: 'POST', url: 'Organization' } }],
      });
      throw new Error('expected a 403');
    } catch (error) {
      expect(error).toBeInstanceOf(OperationOutcomeError);
      expect((error as OperationOutcomeError).outcome.issue?.[0].code).toBe('forbidden');
    }
    expect(await service.sql(`SELECT 1 FROM fhir_resources WHERE content->>'name' = 'Forbidden'`)).toHaveLength(0);
  });
});
