import { OperationOutcomeError } from '@medplum/core';
import type { Bundle, CapabilityStatement, OperationOutcome, Patient, Task } from '@medplum/fhirtypes';
import { bootTestApp, TestApp } from '../harness/test-app';
import { errorExpressions, fhirClient, FhirTestClient } from './support/fhir-clients';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const TASK_PROFILE = 'http://liaison.health/fhir/StructureDefinition/liaison-task';

function patient(family: string, extra: Partial<Patient> = {}): Patient {
  return { resourceType: 'Patient', name: [{ family, given: ['Ada'] }], ...extra };
}

/** The status an OperationOutcomeError from MedplumClient carries, and its outcome. */
async function failure(promise: Promise<unknown>): Promise<OperationOutcome> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof OperationOutcomeError) return error.outcome;
    throw error;
  }
  throw new Error('expected the request to fail');
}

describe('FHIR REST API', () => {
  let service: TestApp;
  let client: FhirTestClient;

  beforeAll(async () => {
    service = await bootTestApp();
    client = await fhirClient(service);
  });
  afterAll(() => service.close());

  /** Links carry LIAISON_BASE_URL (port 0 in tests); point them at the running app. */
  function reachable(url: string): string {
    return url.replace(service.config.baseUrl, service.baseUrl);
  }

  async function rows(type: string, id: string): Promise<{ current: Record<string, unknown>[]; history: Record<string, unknown>[] }> {
    return {
      current: await service.sql('SELECT * FROM fhir_resources WHERE resource_type = $1 AND id = $2', [type, id]),
      history: await service.sql('SELECT * FROM fhir_resource_history WHERE resource_type = $1 AND id = $2 ORDER BY version_id', [type, id]),
    };
  }

  describe('create and read', () => {
    it('assigns a uuid, version 1 and lastUpdated, and stores the current row and its history (MedplumClient)', async () => {
      const created = await client.medplum.createResource(patient('Lovelace', { id: 'client-chosen' }));
      expect(created.id).toMatch(UUID);
      expect(created.meta).toMatchObject({ versionId: '1', lastUpdated: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T/) });
      expect(await client.medplum.readResource('Patient', created.id)).toEqual(created);
      const stored = await rows('Patient', created.id);
      expect(stored.current).toEqual([expect.objectContaining({ tenant_id: client.tenantId, version_id: 1, deleted: false })]);
      expect(stored.history).toHaveLength(1);
      expect((stored.current[0].content as Patient).name?.[0].family).toBe('Lovelace');
    });

    it('answers with ETag, Last-Modified and an absolute Location', async () => {
      const response = await client.http('/Task', {
        method: 'POST',
        body: JSON.stringify({ resourceType: 'Task', status: 'requested', intent: 'order' }),
      });
      expect(response.status).toBe(201);
      const task = (await response.json()) as Task;
      expect(response.headers.get('etag')).toBe('W/"1"');
      expect(response.headers.get('last-modified')).toBe(new Date(task.meta!.lastUpdated!).toUTCString());
      expect(response.headers.get('location')).toBe(`${service.config.baseUrl}/fhir/R4/Task/${task.id}/_history/1`);
      expect(response.headers.get('content-type')).toMatch(/^application\/fhir\+json/);
      const read = await client.http(`/Task/${task.id}`);
      expect(read.headers.get('etag')).toBe('W/"1"');
      expect(read.headers.get('content-location')).toBe(`${service.config.baseUrl}/fhir/R4/Task/${task.id}/_history/1`);
    });

    it('reads an unknown id as 404 and an unserved type as 404, both with an OperationOutcome', async () => {
      const unknown = await failure(client.medplum.readResource('Patient', 'does-not-exist'));
      expect(unknown.issue?.[0].code).toBe('not-found');
      const type = await client.http('/Goal/1');
      expect(type.status).toBe(404);
      expect(((await type.json()) as OperationOutcome).resourceType).toBe('OperationOutcome');
    });
  });

  describe('update and versions', () => {
    it('updates with If-Match, refuses a stale If-Match with 412, and keeps every version', async () => {
      const created = await client.medplum.createResource(patient('Hopper'));
      const updated = await client.medplum.updateResource(
        { ...created, gender: 'female' },
        { headers: { 'If-Match': 'W/"1"' } },
      );
      expect(updated.meta?.versionId).toBe('2');
      expect(updated.gender).toBe('female');

      const stale = await client.http(`/Patient/${created.id}`, {
        method: 'PUT',
        headers: { 'if-match': 'W/"1"' },
        body: JSON.stringify({ ...created, gender: 'male' }),
      });
      expect(stale.status).toBe(412);
      expect(((await stale.json()) as OperationOutcome).resourceType).toBe('OperationOutcome');
      expect((await client.medplum.readResource('Patient', created.id)).gender).toBe('female');

      const v1 = await client.medplum.readVersion('Patient', created.id, '1');
      expect(v1.gender).toBeUndefined();
      expect((await rows('Patient', created.id)).history.map((r) => r.version_id)).toEqual([1, 2]);
    });

    it('creates on update with a client id (201), then updates it (200)', async () => {
      const first = await client.http('/Location/ward-7', {
        method: 'PUT',
        body: JSON.stringify({ resourceType: 'Location', id: 'ward-7', name: 'Ward 7' }),
      });
      expect(first.status).toBe(201);
      expect(first.headers.get('location')).toContain('/Location/ward-7/_history/1');
      const second = await client.http('/Location/ward-7', {
        method: 'PUT',
        body: JSON.stringify({ resourceType: 'Location', id: 'ward-7', name: 'Ward Seven' }),
      });
      expect(second.status).toBe(200);
      expect(((await second.json()) as { meta: { versionId: string } }).meta.versionId).toBe('2');
    });

    it('refuses an update whose body id differs from the URL, or has none', async () => {
      const mismatch = await client.http('/Location/a', { method: 'PUT', body: JSON.stringify({ resourceType: 'Location', id: 'b' }) });
      expect(mismatch.status).toBe(400);
      const missing = await client.http('/Location/a', { method: 'PUT', body: JSON.stringify({ resourceType: 'Location' }) });
      expect(missing.status).toBe(400);
      expect(await service.sql(`SELECT 1 FROM fhir_resources WHERE resource_type = 'Location' AND id IN ('a', 'b')`)).toHaveLength(0);
    });

    it('patches with JSON Patch, honours a failed test op (409), and refuses other patch media types (415)', async () => {
      const created = await client.medplum.createResource(patient('Curie'));
      const patched = await client.medplum.patchResource('Patient', created.id, [
        { op: 'test', path: '/name/0/family', value: 'Curie' },
        { op: 'add', path: '/birthDate', value: '1867-11-07' },
      ]);
      expect(patched).toMatchObject({ birthDate: '1867-11-07', meta: { versionId: '2' } });

      const failedTest = await client.http(`/Patient/${created.id}`, {
        method: 'PATCH',
        headers: { 'content-type': 'application/json-patch+json' },
        body: JSON.stringify([{ op: 'test', path: '/name/0/family', value: 'Sklodowska' }, { op: 'remove', path: '/birthDate' }]),
      });
      expect(failedTest.status).toBe(409);

      const invalid = await client.http(`/Patient/${created.id}`, {
        method: 'PATCH',
        headers: { 'content-type': 'application/json-patch+json' },
        body: JSON.stringify([{ op: 'add', path: '/gender', value: 'unknown-gender' }]),
      });
      expect(invalid.status).toBe(400);
      expect(errorExpressions((await invalid.json()) as OperationOutcome)).toEqual(['Patient.gender']);

      const wrongType = await client.http(`/Patient/${created.id}`, {
        method: 'PATCH',
        body: JSON.stringify([{ op: 'remove', path: '/birthDate' }]),
      });
      expect(wrongType.status).toBe(415);
      expect((await client.medplum.readResource('Patient', created.id)).meta?.versionId).toBe('2');
    });
  });

  describe('delete', () => {
    it('deletes; a later read is 410 with an OperationOutcome; history shows it; PUT brings it back', async () => {
      const created = await client.medplum.createResource(patient('Noether'));
      const deleted = await client.http(`/Patient/${created.id}`, { method: 'DELETE' });
      expect(deleted.status).toBe(200);

      const read = await client.http(`/Patient/${created.id}`);
      expect(read.status).toBe(410);
      expect(((await read.json()) as OperationOutcome).issue?.[0].code).toBe('deleted');
      expect((await client.medplum.readVersion('Patient', created.id, '1')).name?.[0].family).toBe('Noether');

      const history = await client.medplum.readHistory('Patient', created.id);
      expect(history.entry?.map((e) => e.request?.method)).toEqual(['DELETE', 'POST']);
      expect((await rows('Patient', created.id)).current[0]).toMatchObject({ deleted: true, version_id: 2 });

      const again = await client.http(`/Patient/${created.id}`, { method: 'DELETE' });
      expect(again.status).toBe(200);
      expect((await rows('Patient', created.id)).history).toHaveLength(2);

      const restored = await client.medplum.updateResource({ ...created, meta: undefined } as Patient);
      expect(restored.meta?.versionId).toBe('3');
      expect((await client.http(`/Patient/${created.id}`)).status).toBe(200);
    });

    it('deleting what never existed is a 404', async () => {
      expect((await client.http('/Patient/never-was', { method: 'DELETE' })).status).toBe(404);
    });
  });

  describe('history', () => {
    it('lists an instance newest first, pages with _count and next links, and filters with _since', async () => {
      const created = await client.medplum.createResource(patient('Franklin'));
      let current = created;
      for (let i = 0; i < 4; i++) current = await client.medplum.updateResource({ ...current, active: i % 2 === 0 });
      const history = await client.medplum.readHistory('Patient', created.id);
      expect(history.type).toBe('history');
      expect(history.entry?.map((e) => e.resource?.meta?.versionId)).toEqual(['5', '4', '3', '2', '1']);
      expect(history.entry?.[4].response?.status).toBe('201 Created');

      const firstPage = (await (await client.http(`/Patient/${created.id}/_history?_count=2`)).json()) as Bundle;
      expect(firstPage.entry?.map((e) => e.resource?.meta?.versionId)).toEqual(['5', '4']);
      const next = firstPage.link?.find((l) => l.relation === 'next')?.url;
      expect(next).toBeDefined();
      const secondPage = (await (await fetch(reachable(next!), { headers: { authorization: `Bearer ${client.token}` } })).json()) as Bundle;
      expect(secondPage.entry?.map((e) => e.resource?.meta?.versionId)).toEqual(['3', '2']);

      const since = history.entry![1].resource!.meta!.lastUpdated!;
      const recent = (await (await client.http(`/Patient/${created.id}/_history?_since=${encodeURIComponent(since)}`)).json()) as Bundle;
      expect(recent.entry?.map((e) => e.resource?.meta?.versionId)).toEqual(['5', '4']);
    });

    it('lists a type, newest first, across pages without losing or repeating versions', async () => {
      const ids: string[] = [];
      for (let i = 0; i < 5; i++) ids.push((await client.medplum.createResource({ resourceType: 'Endpoint', status: 'active', connectionType: { code: 'hl7-fhir-rest' }, payloadType: [{ text: 'any' }], address: `https://e${i}.example` })).id);
      const seen: string[] = [];
      let url: string | undefined = `${service.baseUrl}/fhir/R4/Endpoint/_history?_count=2`;
      while (url) {
        const page = (await (await fetch(reachable(url), { headers: { authorization: `Bearer ${client.token}` } })).json()) as Bundle;
        seen.push(...(page.entry ?? []).map((e) => e.resource!.id!));
        url = page.link?.find((l) => l.relation === 'next')?.url;
      }
      expect(seen).toEqual([...ids].reverse());
    });
  });

  describe('conditional interactions', () => {
    const system = 'http://hospital.example/mrn';

    it('creates once with If-None-Exist and answers 200 with the existing resource afterwards', async () => {
      const body = patient('Turing', { identifier: [{ system, value: 'MRN-1' }] });
      const first = await client.medplum.createResourceIfNoneExist(body, `identifier=${system}|MRN-1`);
      const second = await client.http('/Patient', {
        method: 'POST',
        headers: { 'if-none-exist': `identifier=${system}|MRN-1` },
        body: JSON.stringify(body),
      });
      expect(second.status).toBe(200);
      expect(((await second.json()) as Patient).id).toBe(first.id);
      expect(await service.sql(`SELECT id FROM fhir_resources WHERE resource_type = 'Patient' AND content->'identifier' @> $1::jsonb`, [
        JSON.stringify([{ value: 'MRN-1' }]),
      ])).toHaveLength(1);
    });

    it('refuses a plain create that reuses a Patient identifier (409) and stores nothing', async () => {
      await client.medplum.createResource(patient('Babbage', { identifier: [{ system, value: 'MRN-2' }] }));
      const clash = await client.http('/Patient', {
        method: 'POST',
        body: JSON.stringify(patient('Impostor', { identifier: [{ system, value: 'MRN-2' }] })),
      });
      expect(clash.status).toBe(409);
      expect(errorExpressions((await clash.json()) as OperationOutcome)).toEqual(['Patient.identifier']);
      expect(await service.sql(`SELECT 1 FROM fhir_resources WHERE content->'name'->0->>'family' = 'Impostor'`)).toHaveLength(0);
    });

    it('updates by condition: 0 matches creates, 1 updates it', async () => {
      const body = patient('Shannon', { identifier: [{ system, value: 'MRN-3' }] });
      const created = await client.medplum.upsertResource(body, { identifier: `${system}|MRN-3` });
      const updated = await client.medplum.upsertResource({ ...body, gender: 'male' }, { identifier: `${system}|MRN-3` });
      expect(updated.id).toBe(created.id);
      expect(updated.meta?.versionId).toBe('2');
    });

    it('deletes by condition and refuses conditions that match several resources (412)', async () => {
      await client.medplum.createResource({ resourceType: 'Organization', name: 'Twin Clinic' });
      await client.medplum.createResource({ resourceType: 'Organization', name: 'Twin Clinic' });
      const many = await client.http('/Organization?name:exact=Twin%20Clinic', { method: 'DELETE' });
      expect(many.status).toBe(412);
      const manyUpdate = await client.http('/Organization?name:exact=Twin%20Clinic', {
        method: 'PUT',
        body: JSON.stringify({ resourceType: 'Organization', name: 'Twin Clinic' }),
      });
      expect(manyUpdate.status).toBe(412);

      const single = await client.medplum.createResource({ resourceType: 'Organization', name: 'Solo Clinic' });
      expect((await client.http('/Organization?name:exact=Solo%20Clinic', { method: 'DELETE' })).status).toBe(200);
      expect((await client.http(`/Organization/${single.id}`)).status).toBe(410);
    });

    it('refuses a condition with an unknown parameter rather than matching everything', async () => {
      const response = await client.http('/Patient', {
        method: 'POST',
        headers: { 'if-none-exist': 'no-such-param=1' },
        body: JSON.stringify(patient('Unknown')),
      });
      expect(response.status).toBe(400);
    });
  });

  describe('search routes', () => {
    it('GET [type]?… and POST [type]/_search (form body) reach the search and agree', async () => {
      const created = await client.medplum.createResource(patient('Searchable', { identifier: [{ system: 'urn:search', value: 'S-1' }] }));
      const byGet = (await (await client.http('/Patient?identifier=urn:search|S-1')).json()) as Bundle;
      const byPost = await client.http('/Patient/_search', {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ identifier: 'urn:search|S-1' }).toString(),
      });
      expect(byPost.status).toBe(200);
      const postBundle = (await byPost.json()) as Bundle;
      expect(byGet.type).toBe('searchset');
      expect(byGet.entry?.map((e) => e.resource?.id)).toEqual([created.id]);
      expect(postBundle.entry?.map((e) => e.resource?.id)).toEqual([created.id]);
    });

    it('does not offer search across all types', async () => {
      const response = await client.http('?_type=Patient');
      expect(response.status).toBe(405);
    });
  });

  describe('Prefer', () => {
    it('return=minimal answers with headers only; return=OperationOutcome with an outcome', async () => {
      const minimal = await client.http('/Patient', {
        method: 'POST',
        headers: { prefer: 'return=minimal' },
        body: JSON.stringify(patient('Minimal')),
      });
      expect(minimal.status).toBe(201);
      expect(await minimal.text()).toBe('');
      expect(minimal.headers.get('location')).toMatch(/\/Patient\/[0-9a-f-]{36}\/_history\/1$/);

      const outcome = await client.http('/Patient', {
        method: 'POST',
        headers: { prefer: 'return=OperationOutcome' },
        body: JSON.stringify(patient('Outcome', { meta: { profile: ['http://example.org/StructureDefinition/unknown'] } })),
      });
      expect(outcome.status).toBe(201);
      const body = (await outcome.json()) as OperationOutcome;
      expect(body.resourceType).toBe('OperationOutcome');
      expect(body.issue?.map((i) => i.severity)).toEqual(['information', 'warning']);
    });
  });

  describe('formats', () => {
    it('takes application/json and application/fhir+json, answers 415 for other bodies and 406 for other formats', async () => {
      const asJson = await client.http('/Patient', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(patient('Json')),
      });
      expect(asJson.status).toBe(201);

      const xml = await client.http('/Patient', { method: 'POST', headers: { 'content-type': 'application/fhir+xml' }, body: '<Patient/>' });
      expect(xml.status).toBe(415);
      expect(((await xml.json()) as OperationOutcome).resourceType).toBe('OperationOutcome');

      const accept = await client.http('/Patient/x', { headers: { accept: 'application/fhir+xml' } });
      expect(accept.status).toBe(406);
      expect((await client.http('/metadata?_format=xml')).status).toBe(406);
      expect((await client.http('/metadata?_format=json')).status).toBe(200);
      expect((await client.http('/metadata', { headers: { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' } })).status).toBe(200);
    });

    it('answers malformed JSON with a 400 OperationOutcome, whatever JSON media type it came as', async () => {
      for (const type of ['application/fhir+json', 'application/json']) {
        const response = await client.http('/Patient', { method: 'POST', headers: { 'content-type': type }, body: '{"resourceType": "Patient",' });
        expect(response.status).toBe(400);
        expect(((await response.json()) as OperationOutcome).issue?.[0].severity).toBe('error');
      }
    });

    it('pretty-prints with _pretty=true', async () => {
      const text = await (await client.http('/metadata?_pretty=true')).text();
      expect(text.startsWith('{\n  "resourceType"')).toBe(true);
    });
  });

  describe('validation', () => {
    it('refuses an invalid resource with one issue per problem (severity, code, expression) and stores nothing', async () => {
      const before = await service.sql(`SELECT count(*)::int AS n FROM fhir_resources`);
      const response = await client.http('/Task', {
        method: 'POST',
        body: JSON.stringify({
          resourceType: 'Task',
          meta: { profile: [TASK_PROFILE] },
          status: 'begun',
          intent: 'order',
          priority: 'whenever',
          code: { coding: [{ system: 'http://liaison.health/fhir/CodeSystem/task-code', code: 'post-discharge-contact' }] },
          restriction: { period: { end: '2025-01-01T00:00:00Z' } },
          colour: 'blue',
        }),
      });
      expect(response.status).toBe(400);
      const outcome = (await response.json()) as OperationOutcome;
      expect(errorExpressions(outcome).sort()).toEqual(['Task.colour', 'Task.for', 'Task.priority', 'Task.status']);
      for (const issue of outcome.issue ?? []) {
        expect(issue).toEqual(expect.objectContaining({ severity: expect.any(String), code: expect.any(String), expression: [expect.any(String)] }));
      }
      expect(await service.sql(`SELECT count(*)::int AS n FROM fhir_resources`)).toEqual(before);
    });

    it('applies our Task profile to Tasks that claim it', async () => {
      const valid = await client.medplum.createResource<Task>({
        resourceType: 'Task',
        meta: { profile: [TASK_PROFILE] },
        status: 'requested',
        intent: 'order',
        code: { coding: [{ system: 'http://liaison.health/fhir/CodeSystem/task-code', code: 'follow-up-appointment' }] },
        for: { reference: 'Patient/p-1' },
        restriction: { period: { end: '2025-01-08T17:00:00Z' } },
      });
      expect(valid.meta?.profile).toEqual([TASK_PROFILE]);
      const outcome = await failure(
        client.medplum.createResource<Task>({ ...valid, id: undefined, code: { coding: [{ system: 'http://liaison.health/fhir/CodeSystem/task-code', code: 'nap' }] } }),
      );
      expect(errorExpressions(outcome)).toContain('Task.code');
    });

    it('refuses a body whose type differs from the URL', async () => {
      const response = await client.http('/Patient', { method: 'POST', body: JSON.stringify({ resourceType: 'Task', status: 'requested', intent: 'order' }) });
      expect(response.status).toBe(400);
    });

    it('$validate checks without storing: 200 when valid, 400 with the issues when not', async () => {
      const ok = await client.http('/Patient/$validate', { method: 'POST', body: JSON.stringify(patient('Valid')) });
      expect(ok.status).toBe(200);
      const bad = await client.http('/Patient/$validate', { method: 'POST', body: JSON.stringify(patient('Invalid', { gender: 'x' as never })) });
      expect(bad.status).toBe(400);
      expect(errorExpressions((await bad.json()) as OperationOutcome)).toEqual(['Patient.gender']);
      expect(await service.sql(`SELECT 1 FROM fhir_resources WHERE content->'name'->0->>'family' IN ('Valid', 'Invalid')`)).toHaveLength(0);
    });
  });

  describe('access', () => {
    it('needs a token (401) and the scope for the interaction (403), answered as OperationOutcomes', async () => {
      const anonymous = await fetch(`${service.baseUrl}/fhir/R4/Patient/x`);
      expect(anonymous.status).toBe(401);
      expect(((await anonymous.json()) as OperationOutcome).resourceType).toBe('OperationOutcome');

      const reader = await fhirClient(service, { tenant: client.tenantId, scopes: ['system/Patient.rs'] });
      const created = await client.medplum.createResource(patient('Scoped'));
      expect((await reader.http(`/Patient/${created.id}`)).status).toBe(200);
      const write = await reader.http('/Patient', { method: 'POST', body: JSON.stringify(patient('Nope')) });
      expect(write.status).toBe(403);
      expect(((await write.json()) as OperationOutcome).issue?.[0].code).toBe('forbidden');
      expect((await reader.http(`/Task/${created.id}`)).status).toBe(403);
    });
  });

  describe('capabilities', () => {
    it('are public and list exactly the served types, interactions, search parameters and operations', async () => {
      const response = await fetch(`${service.baseUrl}/fhir/R4/metadata`);
      expect(response.status).toBe(200);
      const statement = (await response.json()) as CapabilityStatement;
      expect(statement).toMatchObject({ resourceType: 'CapabilityStatement', fhirVersion: '4.0.1', kind: 'instance' });
      const rest = statement.rest![0];
      expect(rest.resource?.map((r) => r.type).sort()).toEqual(
        [
          'CarePlan', 'CareTeam', 'Communication', 'Condition', 'Coverage', 'Encounter', 'Endpoint', 'Location', 'Organization',
          'Patient', 'PlanDefinition', 'Practitioner', 'PractitionerRole', 'RelatedPerson', 'ServiceRequest', 'Subscription', 'Task',
          // The SubscriptionTopics, read-only, as the R4 Subscriptions Backport IG serves them (issue 7).
          'Basic',
        ].sort(),
      );
      const task = rest.resource!.find((r) => r.type === 'Task')!;
      expect(task.interaction?.map((i) => i.code).sort()).toEqual(
        ['create', 'delete', 'history-instance', 'history-type', 'patch', 'read', 'search-type', 'update', 'vread'].sort(),
      );
      expect(task.searchParam?.map((p) => p.name)).toEqual(expect.arrayContaining(['owner', 'status', 'patient', '_id', '_lastUpdated']));
      expect(task.searchInclude).toEqual(expect.arrayContaining(['Task:patient', 'Task:focus', 'Task:based-on']));
      expect(task.supportedProfile).toEqual([TASK_PROFILE]);
      expect(rest.interaction?.map((i) => i.code).sort()).toEqual(['batch', 'transaction']);
      expect(rest.operation?.map((o) => o.name)).toEqual(['validate']);
    });
  });
});
