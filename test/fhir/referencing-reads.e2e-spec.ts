import type { Resource } from '@medplum/fhirtypes';
import { DataSource, EntityManager } from 'typeorm';
import type { Principal } from '../../src/auth';
import { FhirReadService, FhirStore, type ReferencePath } from '../../src/fhir';
import { inTenant } from '../../src/platform/database/tenant-scope';
import { ensureTestTenant } from '../harness/auth';
import { bootTestApp, TestApp } from '../harness/test-app';

/**
 * `FhirReadService.referencingThrough` (how coordination reads a patient's record and plans in
 * one statement): per path, in the order asked, what `referencing` returns for that path alone;
 * deleted resources and other tenants' resources are absent.
 */
describe('FhirReadService.referencingThrough', () => {
  let service: TestApp;
  let store: FhirStore;
  let reads: FhirReadService;
  let db: DataSource;
  const principal = (tenantId: string): Principal => ({ clientId: 'test-reads', tenantId, scopes: ['system/*.*'] });

  const inTenantOf = <T>(tenantId: string, work: (tx: EntityManager) => Promise<T>): Promise<T> => inTenant(db, tenantId, work);
  const write = (tenantId: string, resources: Resource[]): Promise<void> =>
    inTenantOf(tenantId, async (tx) => {
      for (const resource of resources) await store.update(tx, principal(tenantId), resource);
    });

  const PATHS: readonly ReferencePath[] = [
    { resourceType: 'Coverage', param: 'beneficiary' },
    { resourceType: 'Condition', param: 'subject' },
    { resourceType: 'CarePlan', param: 'subject' },
  ];

  beforeAll(async () => {
    service = await bootTestApp();
    store = service.app.get(FhirStore);
    reads = service.app.get(FhirReadService);
    db = service.app.get(DataSource);
    await ensureTestTenant(service, 'default');
    await ensureTestTenant(service, 'rt-other');
    const patient = (id: string): Resource => ({ resourceType: 'Patient', id, active: true });
    const plan = (id: string, subject: string, status = 'active'): Resource =>
      ({ resourceType: 'CarePlan', id, status, intent: 'plan', subject: { reference: `Patient/${subject}` } }) as Resource;
    const coverage = (id: string, beneficiary: string): Resource =>
      ({ resourceType: 'Coverage', id, status: 'active', beneficiary: { reference: `Patient/${beneficiary}` }, payor: [{ display: 'Payer' }] }) as Resource;
    const condition = (id: string, subject: string): Resource =>
      ({ resourceType: 'Condition', id, subject: { reference: `Patient/${subject}` } }) as Resource;
    await write('default', [
      patient('rt-a'),
      patient('rt-b'),
      plan('rt-plan-2', 'rt-a'),
      plan('rt-plan-1', 'rt-a', 'completed'),
      plan('rt-plan-b', 'rt-b'),
      coverage('rt-cov-1', 'rt-a'),
      coverage('rt-cov-gone', 'rt-a'),
      condition('rt-cond-b', 'rt-b'),
    ]);
    await inTenantOf('default', (tx) => store.delete(tx, principal('default'), 'Coverage', 'rt-cov-gone'));
    await write('rt-other', [patient('rt-a'), coverage('rt-cov-other', 'rt-a'), plan('rt-plan-other', 'rt-a')]);
  });
  afterAll(() => service.close());

  const idsThrough = (tenantId: string, paths: readonly ReferencePath[], targetIds: string[]): Promise<string[]> =>
    inTenantOf(tenantId, async (tx) =>
      (await reads.referencingThrough(tx, tenantId, paths, 'Patient', targetIds)).map((row) => `${row.targetId} ${row.resource.resourceType}/${row.resource.id}`),
    );

  it('returns, path by path in the order asked, the live resources pointing at the target', async () => {
    expect(await idsThrough('default', PATHS, ['rt-a'])).toEqual(['rt-a Coverage/rt-cov-1', 'rt-a CarePlan/rt-plan-1', 'rt-a CarePlan/rt-plan-2']);
    expect(await idsThrough('default', [...PATHS].reverse(), ['rt-a'])).toEqual(['rt-a CarePlan/rt-plan-1', 'rt-a CarePlan/rt-plan-2', 'rt-a Coverage/rt-cov-1']);
  });

  it('answers what `referencing` answers for each path alone, for several targets', async () => {
    const single = await inTenantOf('default', async (tx) => {
      const rows = [];
      for (const path of PATHS) rows.push(...(await reads.referencing(tx, 'default', path.resourceType, [path.param], 'Patient', ['rt-a', 'rt-b'])));
      return rows.map((row) => `${row.targetId} ${row.resource.resourceType}/${row.resource.id}`);
    });
    expect(await idsThrough('default', PATHS, ['rt-b', 'rt-a'])).toEqual(single);
    expect(single).toContain('rt-b Condition/rt-cond-b');
  });

  it("never returns another tenant's resources", async () => {
    expect(await idsThrough('rt-other', PATHS, ['rt-a'])).toEqual(['rt-a Coverage/rt-cov-other', 'rt-a CarePlan/rt-plan-other']);
  });

  it('asks nothing of the database for no paths or no targets', async () => {
    expect(await idsThrough('default', [], ['rt-a'])).toEqual([]);
    expect(await idsThrough('default', PATHS, [])).toEqual([]);
  });
});
