import type { Coverage, Patient, Task } from '@medplum/fhirtypes';
import { bootTestApp, TestApp } from '../harness/test-app';
import { includedRefs, matchIds, searchClient, SearchTestClient } from './search-client';

/**
 * Two tenants hold resources with the same ids and identifiers. Search, _include, _revinclude,
 * chains and totals of one never see the other's, and the index rows stay with their tenant.
 */
describe('FHIR search tenant isolation', () => {
  let service: TestApp;
  let north: SearchTestClient;
  let south: SearchTestClient;

  const patient = (id: string, mrn: string, family: string): Patient => ({
    resourceType: 'Patient',
    id,
    identifier: [{ system: 'urn:mrn', value: mrn }],
    name: [{ family }],
  });
  const task = (id: string, status: Task['status']): Task => ({
    resourceType: 'Task',
    id,
    status,
    intent: 'order',
    for: { reference: 'Patient/shared-patient' },
    owner: { reference: 'Practitioner/shared-practitioner' },
  });

  beforeAll(async () => {
    service = await bootTestApp();
    north = await searchClient(service, 'north');
    south = await searchClient(service, 'south');
    // Same ids in both tenants (create-on-update with client ids), different content.
    await north.put(patient('shared-patient', 'N-1', 'Northman'));
    await south.put(patient('shared-patient', 'S-1', 'Southman'));
    await north.put(task('shared-task', 'requested'));
    await south.put(task('shared-task', 'requested'));
    await south.put(task('south-only-task', 'requested'));
    await south.put<Coverage>({
      resourceType: 'Coverage',
      id: 'south-coverage',
      status: 'active',
      beneficiary: { reference: 'Patient/shared-patient' },
      payor: [{ reference: 'Organization/x' }],
    });
  });
  afterAll(() => service.close());

  it('searches only the caller’s tenant', async () => {
    expect(matchIds(await north.search('Task?owner=Practitioner/shared-practitioner&status=requested'))).toEqual(['shared-task']);
    expect(matchIds(await south.search('Task?owner=Practitioner/shared-practitioner&status=requested')).sort()).toEqual([
      'shared-task',
      'south-only-task',
    ]);
    expect(matchIds(await north.search('Patient?identifier=urn:mrn|S-1'))).toEqual([]);
    expect(matchIds(await north.search('Patient?name=southman'))).toEqual([]);
    expect(matchIds(await north.search('Task?_id=south-only-task'))).toEqual([]);
    expect((await north.search('Task?_total=accurate&_count=0')).total).toBe(1);
    expect((await north.search('Task?_summary=count')).total).toBe(1);
  });

  it('includes the caller’s own version of a shared id', async () => {
    const bundle = await north.search('Task?_id=shared-task&_include=Task:patient');
    expect(includedRefs(bundle)).toEqual(['Patient/shared-patient']);
    const included = bundle.entry!.find((e) => e.search?.mode === 'include')!.resource as Patient;
    expect(included.name?.[0].family).toBe('Northman');
  });

  it('reverse-includes only the caller’s resources', async () => {
    const north_ = await north.search('Patient?_id=shared-patient&_revinclude=Task:patient&_revinclude=Coverage:beneficiary');
    expect(includedRefs(north_)).toEqual(['Task/shared-task']);
    const south_ = await south.search('Patient?_id=shared-patient&_revinclude=Task:patient&_revinclude=Coverage:beneficiary');
    expect(includedRefs(south_)).toEqual(['Coverage/south-coverage', 'Task/shared-task', 'Task/south-only-task']);
  });

  it('chains only into the caller’s resources', async () => {
    expect(matchIds(await north.search('Task?patient.identifier=urn:mrn|S-1'))).toEqual([]);
    expect(matchIds(await north.search('Task?patient.identifier=urn:mrn|N-1'))).toEqual(['shared-task']);
    expect(matchIds(await north.search('Task?patient.name=southman'))).toEqual([]);
    expect(matchIds(await south.search('Task?patient.name=southman')).sort()).toEqual(['shared-task', 'south-only-task']);
  });

  it('keeps each tenant’s index rows when the other updates or deletes the same id', async () => {
    await north.put({ ...task('shared-task', 'accepted') });
    expect(matchIds(await south.search('Task?status=requested&_id=shared-task'))).toEqual(['shared-task']);
    expect(matchIds(await north.search('Task?status=requested&_id=shared-task'))).toEqual([]);
    expect((await south.request('DELETE', 'Patient/shared-patient')).status).toBeLessThan(300);
    expect(matchIds(await north.search('Patient?identifier=urn:mrn|N-1'))).toEqual(['shared-patient']);
    expect(matchIds(await north.search('Task?patient.identifier=urn:mrn|N-1'))).toEqual(['shared-task']);

    const rows = await service.sql(
      `SELECT tenant_id, count(*)::int AS n FROM fhir_search_reference WHERE resource_id = 'shared-task' GROUP BY tenant_id ORDER BY tenant_id`,
    );
    expect(rows).toEqual([
      { tenant_id: 'north', n: expect.any(Number) },
      { tenant_id: 'south', n: expect.any(Number) },
    ]);
    const status = await service.sql(`SELECT DISTINCT tenant_id, status FROM fhir_search_reference WHERE resource_id = 'shared-task' ORDER BY tenant_id`);
    expect(status).toEqual([
      { tenant_id: 'north', status: 'accepted' },
      { tenant_id: 'south', status: 'requested' },
    ]);
  });

  it('row-level security hides other tenants’ index rows even without a tenant filter', async () => {
    // The superuser connection, switched to the tenant role for one transaction, as inTenant does.
    await service.sql('BEGIN');
    try {
      await service.sql(`SELECT set_config('role', 'liaison_tenant', true), set_config('app.tenant_id', 'north', true)`);
      for (const table of ['fhir_search_token', 'fhir_search_string', 'fhir_search_reference', 'fhir_search_date', 'fhir_search_quantity']) {
        const [row] = await service.sql(`SELECT count(*)::int AS n FROM ${table} WHERE tenant_id <> 'north'`);
        expect({ table, n: row.n }).toEqual({ table, n: 0 });
      }
      const [own] = await service.sql(`SELECT count(*)::int AS n FROM fhir_search_token`);
      expect(own.n).toBeGreaterThan(0);
    } finally {
      await service.sql('ROLLBACK');
    }
  });
});
