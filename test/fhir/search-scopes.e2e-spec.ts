import type { Bundle, Patient, Task } from '@medplum/fhirtypes';
import { issueToken } from '../harness/auth';
import { bootTestApp, TestApp } from '../harness/test-app';
import { searchClient } from './search-client';

/** `_include`/`_revinclude` read other types: a token only gets those it may read. */
describe('FHIR search: included resources respect the token scopes', () => {
  let service: TestApp;
  let taskId: string;
  beforeAll(async () => {
    service = await bootTestApp();
    const writer = await searchClient(service, 'scopes-tenant');
    const patient = await writer.create<Patient>({ resourceType: 'Patient', name: [{ family: 'Example' }] });
    const task = await writer.create<Task>({
      resourceType: 'Task',
      status: 'requested',
      intent: 'order',
      for: { reference: `Patient/${patient.id}` },
    });
    taskId = task.id!;
  });
  afterAll(() => service.close());

  async function searchAs(scopes: string[]): Promise<Bundle> {
    const { accessToken } = await issueToken(service, { tenant: 'scopes-tenant', scopes });
    const response = await fetch(`${service.baseUrl}/fhir/R4/Task?_id=${taskId}&_include=Task:patient`, {
      headers: { authorization: `Bearer ${accessToken}` },
    });
    expect(response.status).toBe(200);
    return (await response.json()) as Bundle;
  }

  const typesOf = (bundle: Bundle, mode: string): string[] =>
    (bundle.entry ?? []).filter((entry) => entry.search?.mode === mode).map((entry) => entry.resource!.resourceType);

  it('includes the Patient for a token that may read Patients', async () => {
    const bundle = await searchAs(['system/Task.rs', 'system/Patient.r']);
    expect(typesOf(bundle, 'match')).toEqual(['Task']);
    expect(typesOf(bundle, 'include')).toEqual(['Patient']);
  });

  it('leaves the Patient out for a token that may only search Tasks', async () => {
    const bundle = await searchAs(['system/Task.rs']);
    expect(typesOf(bundle, 'match')).toEqual(['Task']);
    expect(typesOf(bundle, 'include')).toEqual([]);
  });
});
