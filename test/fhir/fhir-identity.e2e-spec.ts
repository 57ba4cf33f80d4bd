import type { Bundle, Patient } from '@medplum/fhirtypes';
import { bootTestApp, TestApp } from '../harness/test-app';
import { fhirClient, FhirTestClient } from './support/fhir-clients';

const MRN = 'http://hospital.example/mrn';

function patient(value: string, family = 'Concurrent'): Patient {
  return { resourceType: 'Patient', identifier: [{ system: MRN, value }], name: [{ family }] };
}

describe('FHIR identity and tenancy', () => {
  let service: TestApp;
  let client: FhirTestClient;

  beforeAll(async () => {
    service = await bootTestApp();
    client = await fhirClient(service, { tenant: 'north' });
  });
  afterAll(() => service.close());

  async function patientsWith(value: string, tenant = 'north'): Promise<string[]> {
    const rows = await service.sql(
      `SELECT id FROM fhir_resources WHERE tenant_id = $1 AND resource_type = 'Patient' AND NOT deleted AND content->'identifier' @> $2::jsonb`,
      [tenant, JSON.stringify([{ system: MRN, value }])],
    );
    return rows.map((row) => String(row.id));
  }

  it('20 concurrent conditional creates of one identifier make exactly one Patient', async () => {
    const responses = await Promise.all(
      Array.from({ length: 20 }, () =>
        client.http('/Patient', {
          method: 'POST',
          headers: { 'if-none-exist': `identifier=${MRN}|RACE-1` },
          body: JSON.stringify(patient('RACE-1')),
        }),
      ),
    );
    const statuses = responses.map((r) => r.status).sort();
    expect(statuses.filter((s) => s === 201)).toHaveLength(1);
    expect(statuses.filter((s) => s === 200)).toHaveLength(19);
    const ids = new Set(await Promise.all(responses.map(async (r) => ((await r.json()) as Patient).id)));
    expect(ids.size).toBe(1);
    expect(await patientsWith('RACE-1')).toEqual([...ids]);
  });

  it('20 concurrent conditional updates of one identifier make exactly one Patient', async () => {
    const responses = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        client.http(`/Patient?identifier=${encodeURIComponent(`${MRN}|RACE-2`)}`, {
          method: 'PUT',
          body: JSON.stringify(patient('RACE-2', `Writer ${i}`)),
        }),
      ),
    );
    const failed = await Promise.all(responses.filter((r) => r.status >= 300).map(async (r) => `${r.status} ${await r.text()}`));
    expect(failed).toEqual([]);
    expect(responses.filter((r) => r.status === 201)).toHaveLength(1);
    const [id] = await patientsWith('RACE-2');
    expect(await patientsWith('RACE-2')).toHaveLength(1);
    const history = await service.sql(`SELECT version_id FROM fhir_resource_history WHERE id = $1 ORDER BY version_id`, [id]);
    expect(history.map((row) => row.version_id)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
  });

  it('10 concurrent transactions conditionally creating the same Patient make exactly one', async () => {
    const bundle: Bundle = {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        {
          fullUrl: 'urn:uuid:6b3c1c1e-1f0a-4c8e-9a53-7f1d2f0e0001',
          resource: patient('RACE-3'),
          request: { method: 'POST', url: 'Patient', ifNoneExist: `identifier=${MRN}|RACE-3` },
        },
        {
          resource: {
            resourceType: 'Task',
            status: 'requested',
            intent: 'order',
            for: { reference: 'urn:uuid:6b3c1c1e-1f0a-4c8e-9a53-7f1d2f0e0001' },
          },
          request: { method: 'POST', url: 'Task' },
        },
      ],
    };
    const results = await Promise.all(Array.from({ length: 10 }, () => client.medplum.executeBatch(bundle)));
    const [id] = await patientsWith('RACE-3');
    expect(await patientsWith('RACE-3')).toHaveLength(1);
    for (const result of results) {
      expect(result.entry?.[0].response?.location).toMatch(new RegExp(`^Patient/${id}/_history/1$`));
    }
    const tasks = await service.sql(`SELECT content->'for'->>'reference' AS ref FROM fhir_resources WHERE resource_type = 'Task' AND tenant_id = 'north'`);
    expect(tasks.map((t) => t.ref)).toEqual(Array.from({ length: 10 }, () => `Patient/${id}`));
  });

  it('frees an identifier when its Patient is deleted or retires it (use: old)', async () => {
    const first = await client.medplum.createResource(patient('FREE-1'));
    await client.medplum.deleteResource('Patient', first.id);
    const second = await client.medplum.createResource(patient('FREE-1'));
    await client.medplum.updateResource({ ...second, identifier: [{ system: MRN, value: 'FREE-1', use: 'old' }] });
    const third = await client.medplum.createResource(patient('FREE-1'));
    expect(new Set([first.id, second.id, third.id]).size).toBe(3);
  });

  describe('two tenants', () => {
    let south: FhirTestClient;
    let northPatient: Patient;

    beforeAll(async () => {
      south = await fhirClient(service, { tenant: 'south' });
      northPatient = await client.medplum.createResource(patient('TENANT-1', 'Northerner'));
      northPatient = await client.medplum.updateResource({ ...northPatient, gender: 'female' });
    });

    it('never read, vread or list each other’s resources or history', async () => {
      expect((await south.http(`/Patient/${northPatient.id}`)).status).toBe(404);
      expect((await south.http(`/Patient/${northPatient.id}/_history/1`)).status).toBe(404);
      expect((await south.http(`/Patient/${northPatient.id}/_history`)).status).toBe(404);
      const typeHistory = (await (await south.http('/Patient/_history')).json()) as Bundle;
      expect(typeHistory.entry ?? []).toEqual([]);
      const search = (await (await south.http(`/Patient?_id=${northPatient.id}`)).json()) as Bundle;
      expect(search.entry ?? []).toEqual([]);
    });

    it('cannot change or delete each other’s resources: the same id is another resource', async () => {
      expect((await south.http(`/Patient/${northPatient.id}`, { method: 'DELETE' })).status).toBe(404);
      const patch = await south.http(`/Patient/${northPatient.id}`, {
        method: 'PATCH',
        headers: { 'content-type': 'application/json-patch+json' },
        body: JSON.stringify([{ op: 'replace', path: '/gender', value: 'male' }]),
      });
      expect(patch.status).toBe(404);
      const put = await south.http(`/Patient/${northPatient.id}`, {
        method: 'PUT',
        body: JSON.stringify({ ...northPatient, meta: undefined, identifier: undefined, name: [{ family: 'Southerner' }] }),
      });
      expect(put.status).toBe(201);
      const north = await client.medplum.readResource('Patient', northPatient.id!);
      expect(north).toMatchObject({ gender: 'female', name: [{ family: 'Northerner' }], meta: { versionId: '2' } });
    });

    it('keeps identifiers unique per tenant, not across tenants', async () => {
      const southern = await south.medplum.createResourceIfNoneExist(patient('TENANT-1', 'Southern twin'), `identifier=${MRN}|TENANT-1`);
      expect(southern.id).not.toBe(northPatient.id);
      expect(southern.name?.[0].family).toBe('Southern twin');
    });

    it('stores every row with its tenant, so row-level security can enforce it', async () => {
      const rows = await service.sql(`SELECT DISTINCT tenant_id FROM fhir_resource_history WHERE id = $1`, [northPatient.id]);
      expect(rows.map((r) => r.tenant_id).sort()).toEqual(['north', 'south']);
    });
  });
});
