import type { Bundle, CarePlan, Coverage, Encounter, Organization, Patient, PlanDefinition, Practitioner, ServiceRequest, Task } from '@medplum/fhirtypes';
import { DataSource } from 'typeorm';
import { FhirSearchService } from '../../src/fhir/search/fhir-search.service';
import { inTenant } from '../../src/platform/database/tenant-scope';
import { bootTestApp, TestApp } from '../harness/test-app';
import { includedRefs, matchIds, searchClient, SearchTestClient } from './search-client';

/**
 * FHIR search over HTTP: every parameter type, modifier and prefix, sorting, totals, _elements,
 * _include/_revinclude and chains, on resources written through the store.
 */
describe('FHIR search', () => {
  let service: TestApp;
  let fhir: SearchTestClient;
  const ids: Record<string, string> = {};
  let before: string;
  let fhirBase: string;

  /** Ids of the matches of `query`, as names of the fixtures (unknown ids kept as they are). */
  async function names(query: string, headers?: Record<string, string>): Promise<string[]> {
    const bundle = await fhir.search(query, headers);
    const byId = new Map(Object.entries(ids).map(([name, id]) => [id, name]));
    return matchIds(bundle).map((id) => byId.get(id) ?? id);
  }
  const sorted = async (query: string): Promise<string[]> => (await names(query)).sort();
  const ref = (name: string): string => {
    const [type] = name.split(':');
    return `${type}/${ids[name]}`;
  };

  beforeAll(async () => {
    service = await bootTestApp();
    fhirBase = `${service.config.baseUrl}/fhir/R4`;
    fhir = await searchClient(service, 'search-main');
    before = new Date(Date.now() - 1000).toISOString();

    const practitioner = async (name: string, family: string, given: string) =>
      (ids[name] = (await fhir.create<Practitioner>({ resourceType: 'Practitioner', name: [{ family, given: [given] }] })).id!);
    await practitioner('Practitioner:alice', 'Smith', 'Alice');
    await practitioner('Practitioner:bob', 'Jones', 'Bob');
    ids['Organization:acme'] = (await fhir.create<Organization>({ resourceType: 'Organization', name: 'Acme Health' })).id!;
    const patient = async (name: string, body: Omit<Patient, 'resourceType'>) =>
      (ids[name] = (await fhir.create<Patient>({ resourceType: 'Patient', ...body })).id!);
    await patient('Patient:zoe', {
      identifier: [{ system: 'urn:mrn', value: '111' }],
      name: [{ family: 'Müller', given: ['Zoë'] }],
      gender: 'female',
      birthDate: '1970-05-15',
      active: true,
    });
    await patient('Patient:john', {
      identifier: [{ system: 'urn:mrn', value: '222' }],
      name: [{ family: 'Smith', given: ['John'] }],
      gender: 'male',
      birthDate: '1980',
      active: false,
    });
    await patient('Patient:anon', { gender: 'unknown' });

    ids['Encounter:stay'] = (
      await fhir.create<Encounter>({
        resourceType: 'Encounter',
        status: 'finished',
        class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'IMP' },
        subject: { reference: ref('Patient:zoe') },
        period: { start: '2024-03-01T08:00:00Z', end: '2024-03-05T09:30:00Z' },
        length: { value: 4, unit: 'd', system: 'http://unitsofmeasure.org', code: 'd' },
      })
    ).id!;
    ids['ServiceRequest:home-health'] = (
      await fhir.create<ServiceRequest>({
        resourceType: 'ServiceRequest',
        status: 'active',
        intent: 'order',
        subject: { reference: ref('Patient:zoe') },
      })
    ).id!;
    ids['CarePlan:discharge'] = (
      await fhir.create<CarePlan>({
        resourceType: 'CarePlan',
        status: 'active',
        intent: 'plan',
        subject: { reference: ref('Patient:zoe') },
        encounter: { reference: ref('Encounter:stay') },
      })
    ).id!;
    ids['Coverage:plan'] = (
      await fhir.create<Coverage>({
        resourceType: 'Coverage',
        status: 'active',
        beneficiary: { reference: ref('Patient:zoe') },
        payor: [{ reference: ref('Organization:acme') }],
      })
    ).id!;
    ids['PlanDefinition:protocol'] = (
      await fhir.create<PlanDefinition>({
        resourceType: 'PlanDefinition',
        status: 'active',
        url: 'https://liaison.example/PlanDefinition/discharge-home',
        name: 'DischargeHome',
      })
    ).id!;

    const task = async (name: string, body: Omit<Task, 'resourceType' | 'intent'>) =>
      (ids[name] = (await fhir.create<Task>({ resourceType: 'Task', intent: 'order', ...body })).id!);
    await task('Task:call', {
      status: 'requested',
      priority: 'routine',
      identifier: [{ system: 'urn:task', value: 'T1' }],
      code: { coding: [{ system: 'urn:liaison', code: 'post-discharge-contact', display: 'Post-discharge contact' }] },
      for: { reference: ref('Patient:zoe') },
      owner: { reference: ref('Practitioner:alice') },
      focus: { reference: ref('ServiceRequest:home-health') },
      basedOn: [{ reference: ref('CarePlan:discharge') }],
      authoredOn: '2024-03-05T10:00:00Z',
    });
    await task('Task:visit', {
      status: 'accepted',
      priority: 'urgent',
      code: { coding: [{ system: 'urn:liaison', code: 'follow-up-appointment' }], text: 'Book the follow-up visit' },
      for: { reference: ref('Patient:john') },
      owner: { reference: ref('Practitioner:alice') },
      authoredOn: '2024-03-06T09:00:00Z',
    });
    await task('Task:meds', {
      status: 'requested',
      code: { coding: [{ system: 'http://other.example', code: 'medication-reconciliation' }] },
      for: { reference: ref('Patient:john') },
      owner: { reference: ref('Practitioner:bob') },
      authoredOn: '2024-02-01',
    });
    await task('Task:money', {
      status: 'completed',
      for: { reference: ref('Patient:zoe') },
      owner: { reference: ref('Organization:acme') },
      authoredOn: '2023-07-01T00:00:00Z',
      executionPeriod: { start: '2023-07-01', end: '2023-07-31' },
    });
    // The care plan points at its first task once that exists.
    const plan = await fhir.search(`CarePlan?_id=${ids['CarePlan:discharge']}`);
    const carePlan = plan.entry![0].resource as CarePlan;
    await fhir.put<CarePlan>({ ...carePlan, activity: [{ reference: { reference: ref('Task:call') } }] });
  });
  afterAll(() => service.close());

  describe('token', () => {
    it.each([
      ['Task?status=requested', ['Task:call', 'Task:meds']],
      ['Task?status=requested,accepted', ['Task:call', 'Task:meds', 'Task:visit']],
      ['Task?status=requested&status=accepted', []],
      ['Task?status:not=requested', ['Task:money', 'Task:visit']],
      ['Task?code=urn:liaison|post-discharge-contact', ['Task:call']],
      ['Task?code=post-discharge-contact', ['Task:call']],
      ['Task?code=|post-discharge-contact', []],
      ['Task?code=urn:liaison|', ['Task:call', 'Task:visit']],
      ['Task?code:text=post-discharge', ['Task:call']],
      ['Task?code:text=follow', ['Task:visit']],
      ['Task?code:text=BOOK', ['Task:visit']],
      ['Task?priority:missing=true', ['Task:meds', 'Task:money']],
      ['Task?priority:missing=false', ['Task:call', 'Task:visit']],
      ['Task?identifier=urn:task|T1', ['Task:call']],
      ['Task?identifier=T1', ['Task:call']],
      ['Patient?identifier=urn:mrn|111', ['Patient:zoe']],
      ['Patient?identifier=urn:mrn|111,urn:mrn|222', ['Patient:john', 'Patient:zoe']],
      ['Patient?gender=female', ['Patient:zoe']],
      ['Patient?active=false', ['Patient:john']],
    ])('%s', async (query, expected) => {
      expect(await sorted(query)).toEqual(expected);
    });

    it('matches _id, alone and with other parameters', async () => {
      expect(await sorted(`Task?_id=${ids['Task:call']},${ids['Task:meds']}`)).toEqual(['Task:call', 'Task:meds']);
      expect(await sorted(`Task?_id=${ids['Task:call']},${ids['Task:meds']}&owner=${ref('Practitioner:bob')}`)).toEqual(['Task:meds']);
    });
  });

  describe('reference', () => {
    it('matches Type/id, a bare id, a :Type modifier and our own absolute URL', async () => {
      const alice = ids['Practitioner:alice'];
      for (const query of [
        `Task?owner=Practitioner/${alice}`,
        `Task?owner=${alice}`,
        `Task?owner:Practitioner=${alice}`,
        `Task?owner=${encodeURIComponent(`${fhirBase}/Practitioner/${alice}`)}`,
      ]) {
        expect({ query, matches: await sorted(query) }).toEqual({ query, matches: ['Task:call', 'Task:visit'] });
      }
      expect(await sorted(`Task?owner:Organization=${alice}`)).toEqual([]);
      expect(await sorted(`Task?owner=Organization/${alice}`)).toEqual([]);
    });

    it('combines reference and status (the worklist query)', async () => {
      expect(await sorted(`Task?owner=${ref('Practitioner:alice')}&status=requested`)).toEqual(['Task:call']);
      expect(await sorted(`Task?owner=${ref('Practitioner:alice')},${ref('Practitioner:bob')}&status=requested`)).toEqual([
        'Task:call',
        'Task:meds',
      ]);
      expect(await sorted(`Task?owner=${ref('Practitioner:alice')}&status=requested,accepted&_count=20`)).toEqual([
        'Task:call',
        'Task:visit',
      ]);
      expect(await sorted(`Task?owner=${ref('Practitioner:alice')}&status:not=requested`)).toEqual(['Task:visit']);
      expect(await sorted(`Task?patient=${ref('Patient:zoe')}&status=completed`)).toEqual(['Task:money']);
    });

    it('reads stored owners written absolute, versioned or foreign the same on every path', async () => {
      const owned = async (reference: string, status: Task['status']) =>
        (await fhir.create<Task>({ resourceType: 'Task', status, intent: 'order', owner: { reference }, code: { text: 'carol' } })).id!;
      const absolute = await owned(`${fhirBase}/Practitioner/carol`, 'requested');
      const versioned = await owned('Practitioner/carol/_history/1', 'requested');
      const foreign = await owned('http://elsewhere.example/fhir/R4/Practitioner/carol', 'requested');
      const done = await owned('Practitioner/carol', 'completed');
      const local = [absolute, versioned].sort();
      // Typed values take the worklist columns; a bare id and :text-free filters take the index.
      expect(matchIds(await fhir.search('Task?owner=Practitioner/carol&status=requested')).sort()).toEqual(local);
      expect(matchIds(await fhir.search('Task?owner:Practitioner=carol&status=requested')).sort()).toEqual(local);
      expect(matchIds(await fhir.search('Task?owner=carol&status=requested')).sort()).toEqual(local);
      expect(matchIds(await fhir.search('Task?owner=Practitioner/carol')).sort()).toEqual([...local, done].sort());
      expect(matchIds(await fhir.search('Task?owner=carol&code:text=carol')).sort()).toEqual([...local, done].sort());
      expect(matchIds(await fhir.search('Task?owner=Practitioner/carol&status=completed,cancelled'))).toEqual([done]);
      expect(matchIds(await fhir.search('Task?owner=Practitioner/carol&status:not=requested'))).toEqual([done]);
      expect(matchIds(await fhir.search('Task?owner=http://elsewhere.example/fhir/R4/Practitioner/carol'))).toEqual([foreign]);
      expect(matchIds(await fhir.search(`Task?owner=${encodeURIComponent(`${fhirBase}/Practitioner/carol`)}&status=requested`)).sort()).toEqual(local);
      for (const id of [absolute, versioned, foreign, done]) expect((await fhir.request('DELETE', `Task/${id}`)).status).toBeLessThan(300);
      expect(matchIds(await fhir.search('Task?owner=Practitioner/carol'))).toEqual([]);
    });

    it('matches patient, subject and focus references', async () => {
      expect(await sorted(`Task?patient=${ref('Patient:zoe')}`)).toEqual(['Task:call', 'Task:money']);
      expect(await sorted(`Task?subject:Patient=${ids['Patient:john']}`)).toEqual(['Task:meds', 'Task:visit']);
      expect(await sorted(`Task?focus=${ref('ServiceRequest:home-health')}`)).toEqual(['Task:call']);
      expect(await sorted(`Coverage?payor=${ref('Organization:acme')}`)).toEqual(['Coverage:plan']);
    });
  });

  describe('date', () => {
    it.each([
      ['eq2024-03-05', ['Task:call']],
      ['2024-03-05', ['Task:call']],
      ['2024-03', ['Task:call', 'Task:visit']],
      ['2024', ['Task:call', 'Task:meds', 'Task:visit']],
      ['ne2024-03-05', ['Task:meds', 'Task:money', 'Task:visit']],
      ['gt2024-03-05', ['Task:visit']],
      ['ge2024-03-05', ['Task:call', 'Task:visit']],
      ['lt2024-03-05', ['Task:meds', 'Task:money']],
      ['le2024-03-05', ['Task:call', 'Task:meds', 'Task:money']],
      ['sa2024-03-05', ['Task:visit']],
      ['eb2024-03-05', ['Task:meds', 'Task:money']],
      ['eq2024-03-05T10:00', ['Task:call']],
      ['eq2024-03-05T10:01', []],
      ['ge2024-03-05T11:00:00%2B01:00', ['Task:call', 'Task:visit']],
      ['gt2024-03-05T11:00:00%2B01:00', ['Task:visit']],
    ])('Task?authored-on=%s', async (value, expected) => {
      expect(await sorted(`Task?authored-on=${value}`)).toEqual(expected);
    });

    it('ap matches values within 10% of the distance to now', async () => {
      // 2024-03-05 is far enough from today that ±10% spans weeks: the call, the visit and the
      // February task, not the 2023 one.
      expect(await sorted('Task?authored-on=ap2024-03-05')).toEqual(['Task:call', 'Task:meds', 'Task:visit']);
    });

    it('compares periods as ranges', async () => {
      expect(await sorted('Task?period=2023-07-15')).toEqual([]);
      expect(await sorted('Task?period=2023-07')).toEqual(['Task:money']);
      expect(await sorted('Task?period=ge2023-07-15')).toEqual(['Task:money']);
      expect(await sorted('Task?period=sa2023-06-30')).toEqual(['Task:money']);
      expect(await sorted('Task?period=eb2023-08-01')).toEqual(['Task:money']);
      expect(await sorted('Encounter?date=2024-03-03')).toEqual([]);
      expect(await sorted('Encounter?date=ge2024-03-03&date=le2024-03-03')).toEqual(['Encounter:stay']);
    });

    it('filters _lastUpdated', async () => {
      expect((await names(`Task?_lastUpdated=gt${before}`)).length).toBe(4);
      expect(await names(`Task?_lastUpdated=lt${before}`)).toEqual([]);
      expect(await names(`Task?_lastUpdated=gt${new Date(Date.now() + 60_000).toISOString()}`)).toEqual([]);
    });

    it('refuses a malformed date with a 400', async () => {
      const response = await fhir.request('GET', 'Task?authored-on=yesterday');
      expect(response.status).toBe(400);
      expect(((await response.json()) as { issue: { expression: string[] }[] }).issue[0].expression).toEqual(['authored-on']);
    });
  });

  describe('string, number, quantity, uri', () => {
    it.each([
      ['Patient?name=zoe', ['Patient:zoe']],
      ['Patient?name=ZO', ['Patient:zoe']],
      ['Patient?name=Zoë', ['Patient:zoe']],
      ['Patient?name=muller', ['Patient:zoe']],
      ['Patient?family=Mül', ['Patient:zoe']],
      ['Patient?name=oe', []],
      ['Patient?name:contains=ULL', ['Patient:zoe']],
      ['Patient?name:exact=Zoë', ['Patient:zoe']],
      ['Patient?name:exact=zoe', []],
      ['Patient?name:exact=Zo', []],
      ['Patient?name=smith', ['Patient:john']],
      ['Patient?name=zoe,john', ['Patient:john', 'Patient:zoe']],
      ['Practitioner?name=alice', ['Practitioner:alice']],
      ['Organization?name=acme%20h', ['Organization:acme']],
      ['Patient?birthdate=1970', ['Patient:zoe']],
      ['Patient?birthdate=ge1975', ['Patient:john']],
    ])('%s', async (query, expected) => {
      expect(await sorted(query)).toEqual(expected);
    });

    it.each([
      ['Encounter?length=4', ['Encounter:stay']],
      ['Encounter?length=4.0', ['Encounter:stay']],
      ['Encounter?length=gt3', ['Encounter:stay']],
      ['Encounter?length=lt4', []],
      ['Encounter?length=ap4.3', ['Encounter:stay']],
      ['Encounter?length=4|http://unitsofmeasure.org|d', ['Encounter:stay']],
      ['Encounter?length=4|http://unitsofmeasure.org|h', []],
      ['PlanDefinition?url=https://liaison.example/PlanDefinition/discharge-home', ['PlanDefinition:protocol']],
      ['PlanDefinition?url=https://liaison.example/PlanDefinition', []],
      ['PlanDefinition?url:below=https://liaison.example/', ['PlanDefinition:protocol']],
    ])('%s', async (query, expected) => {
      expect(await sorted(query)).toEqual(expected);
    });
  });

  describe('chains', () => {
    it('follows a reference one level to a parameter of the target', async () => {
      expect(await sorted('Task?patient.identifier=urn:mrn|111')).toEqual(['Task:call', 'Task:money']);
      expect(await sorted('Task?patient.name=smith')).toEqual(['Task:meds', 'Task:visit']);
      expect(await sorted('Task?owner:Practitioner.name=alice')).toEqual(['Task:call', 'Task:visit']);
      expect(await sorted('Task?owner.name=acme')).toEqual(['Task:money']);
      expect(await sorted('Task?owner:Practitioner.name=acme')).toEqual([]);
      expect(await sorted('Task?patient.identifier=urn:mrn|111&status=completed')).toEqual(['Task:money']);
      expect(await sorted('Coverage?beneficiary.gender=female')).toEqual(['Coverage:plan']);
    });
  });

  describe('sorting', () => {
    it.each([
      ['Task?_sort=authored-on', ['Task:money', 'Task:meds', 'Task:call', 'Task:visit']],
      ['Task?_sort=-authored-on', ['Task:visit', 'Task:call', 'Task:meds', 'Task:money']],
      ['Task?_sort=status,-authored-on', ['Task:visit', 'Task:money', 'Task:call', 'Task:meds']],
      // No priority sorts last; among those, by authored-on.
      ['Task?_sort=priority,authored-on', ['Task:call', 'Task:visit', 'Task:money', 'Task:meds']],
      ['Patient?_sort=birthdate', ['Patient:zoe', 'Patient:john', 'Patient:anon']],
      ['Patient?_sort=-birthdate', ['Patient:john', 'Patient:zoe', 'Patient:anon']],
      ['Patient?_sort=family', ['Patient:zoe', 'Patient:john', 'Patient:anon']],
      ['Patient?_sort=-family', ['Patient:john', 'Patient:zoe', 'Patient:anon']],
    ])('%s', async (query, expected) => {
      expect(await names(query)).toEqual(expected);
    });

    it('sorts by _id and _lastUpdated', async () => {
      const byId = await fhir.search('Task?_sort=_id');
      expect(matchIds(byId)).toEqual([...matchIds(byId)].sort());
      expect(matchIds(await fhir.search('Task?_sort=-_id'))).toEqual([...matchIds(byId)].sort().reverse());
      const newestFirst = (await fhir.search('Task?_sort=-_lastUpdated')).entry!.map((e) => e.resource!.meta!.lastUpdated!);
      expect(newestFirst).toEqual([...newestFirst].sort().reverse());
    });
  });

  describe('result parameters', () => {
    it('counts: _total=accurate and estimate, none, _summary=count', async () => {
      expect((await fhir.search('Task?_count=1&_total=accurate')).total).toBe(4);
      expect((await fhir.search('Task?_count=1&_total=estimate')).total).toBe(4);
      expect((await fhir.search('Task?_count=1&_total=none')).total).toBeUndefined();
      const summary = await fhir.search('Task?status=requested&_summary=count');
      expect(summary.total).toBe(2);
      expect(summary.entry ?? []).toEqual([]);
    });

    it('limits a page with _count, and says so with a next link', async () => {
      const page = await fhir.search('Task?_count=3');
      expect(matchIds(page)).toHaveLength(3);
      expect(page.link?.find((l) => l.relation === 'next')).toBeDefined();
      const all = await fhir.search('Task?_count=4');
      expect(all.link?.find((l) => l.relation === 'next')).toBeUndefined();
      expect(all.link?.find((l) => l.relation === 'self')?.url).toBe(`${fhirBase}/Task?_count=4`);
    });

    it('returns only _elements, tagged SUBSETTED', async () => {
      const bundle = await fhir.search(`Task?_id=${ids['Task:call']}&_elements=status,owner`);
      const task = bundle.entry![0].resource as Task;
      expect(Object.keys(task).sort()).toEqual(['id', 'meta', 'owner', 'resourceType', 'status']);
      expect(task.meta?.tag?.map((t) => t.code)).toContain('SUBSETTED');
    });

    it('gives full URLs and search modes', async () => {
      const bundle = await fhir.search(`Task?_id=${ids['Task:call']}`);
      expect(bundle).toMatchObject({ resourceType: 'Bundle', type: 'searchset' });
      expect(bundle.entry![0]).toMatchObject({ fullUrl: `${fhirBase}/Task/${ids['Task:call']}`, search: { mode: 'match' } });
    });

    it('searches by POST _search with a form body', async () => {
      const form = await fetch(`${service.baseUrl}/fhir/R4/Task/_search`, {
        method: 'POST',
        headers: { authorization: `Bearer ${fhir.token}`, 'content-type': 'application/x-www-form-urlencoded' },
        body: `owner=${encodeURIComponent(ref('Practitioner:alice'))}&status=requested`,
      });
      expect(form.status).toBe(200);
      expect(matchIds((await form.json()) as Bundle)).toEqual([ids['Task:call']]);
    });
  });

  describe('_include and _revinclude', () => {
    it.each([
      ['Task:call', 'Task:patient', ['Patient:zoe']],
      ['Task:call', 'Task:focus', ['ServiceRequest:home-health']],
      ['Task:call', 'Task:based-on', ['CarePlan:discharge']],
      ['Task:call', 'Task:owner:Practitioner', ['Practitioner:alice']],
      ['Task:money', 'Task:owner:Practitioner', []],
      ['CarePlan:discharge', 'CarePlan:subject', ['Patient:zoe']],
      ['CarePlan:discharge', 'CarePlan:activity-reference', ['Task:call']],
      ['ServiceRequest:home-health', 'ServiceRequest:subject', ['Patient:zoe']],
      ['Coverage:plan', 'Coverage:beneficiary', ['Patient:zoe']],
      ['Coverage:plan', 'Coverage:payor', ['Organization:acme']],
      ['Encounter:stay', 'Encounter:patient', ['Patient:zoe']],
    ])('%s with _include=%s', async (match, include, expected) => {
      const [type] = match.split(':');
      const bundle = await fhir.search(`${type}?_id=${ids[match]}&_include=${include}`);
      expect(matchIds(bundle)).toEqual([ids[match]]);
      expect(includedRefs(bundle)).toEqual(expected.map(ref).sort());
    });

    it('includes every reference with *, each resource once', async () => {
      const bundle = await fhir.search(`Task?_id=${ids['Task:call']}&_include=*`);
      expect(includedRefs(bundle)).toEqual(
        ['Patient:zoe', 'Practitioner:alice', 'ServiceRequest:home-health', 'CarePlan:discharge'].map(ref).sort(),
      );
    });

    it('reverse-includes what points at the matches', async () => {
      const tasks = await fhir.search(`Patient?_id=${ids['Patient:zoe']}&_revinclude=Task:patient`);
      expect(includedRefs(tasks)).toEqual(['Task:call', 'Task:money'].map(ref).sort());
      const several = await fhir.search(
        `Patient?_id=${ids['Patient:zoe']},${ids['Patient:john']}&_revinclude=Coverage:beneficiary&_revinclude=Encounter:patient`,
      );
      expect(includedRefs(several)).toEqual(['Coverage:plan', 'Encounter:stay'].map(ref).sort());
      const plans = await fhir.search(`Task?_id=${ids['Task:call']}&_revinclude=CarePlan:activity-reference`);
      expect(includedRefs(plans)).toEqual([ref('CarePlan:discharge')]);
    });

    it('iterates from included resources with :iterate', async () => {
      const bundle = await fhir.search(
        `Task?_id=${ids['Task:call']}&_include=Task:based-on&_include:iterate=CarePlan:encounter&_revinclude:iterate=Coverage:beneficiary&_include=Task:patient`,
      );
      expect(includedRefs(bundle)).toEqual(['CarePlan:discharge', 'Encounter:stay', 'Patient:zoe', 'Coverage:plan'].map(ref).sort());
      const once = await fhir.search(`Task?_id=${ids['Task:call']}&_include=Task:based-on&_include=CarePlan:encounter`);
      expect(includedRefs(once)).toEqual([ref('CarePlan:discharge')]);
    });

    it('leaves out included resources of types the caller may not read (mayRead)', async () => {
      const search = service.app.get(FhirSearchService);
      const query = { _id: [ids['Task:call']], _include: ['Task:patient', 'Task:owner'] };
      const options = { baseUrl: fhirBase, strictHandling: false };
      const all = await inTenant(service.app.get(DataSource), fhir.tenantId, (tx) => search.search(tx, fhir.tenantId, 'Task', query, options));
      expect(includedRefs(all)).toEqual(['Patient:zoe', 'Practitioner:alice'].map(ref).sort());
      const noPatients = await inTenant(service.app.get(DataSource), fhir.tenantId, (tx) =>
        search.search(tx, fhir.tenantId, 'Task', query, { ...options, mayRead: (type) => type !== 'Patient' }),
      );
      expect(includedRefs(noPatients)).toEqual([ref('Practitioner:alice')]);
      expect(matchIds(noPatients)).toEqual([ids['Task:call']]);
    });

    it('marks included entries and never repeats a match as an include', async () => {
      const bundle = await fhir.search(`Task?owner=${ref('Practitioner:alice')}&_revinclude=CarePlan:activity-reference&_include=Task:patient`);
      const modes = bundle.entry!.map((e) => e.search?.mode);
      expect(modes.filter((m) => m === 'match')).toHaveLength(2);
      expect(includedRefs(bundle)).toEqual(['CarePlan:discharge', 'Patient:john', 'Patient:zoe'].map(ref).sort());
    });
  });

  describe('unknown parameters', () => {
    it('ignores them and reports them in an OperationOutcome entry by default (lenient)', async () => {
      for (const headers of [undefined, { prefer: 'handling=lenient' }]) {
        const bundle = await fhir.search('Task?status=requested&colour=blue', headers);
        expect(matchIds(bundle)).toHaveLength(2);
        const outcome = bundle.entry!.find((e) => e.search?.mode === 'outcome');
        expect(outcome?.resource).toMatchObject({
          resourceType: 'OperationOutcome',
          issue: [{ severity: 'warning', code: 'not-supported', expression: ['colour'] }],
        });
        expect(bundle.link?.find((l) => l.relation === 'self')?.url).toBe(`${fhirBase}/Task?status=requested`);
      }
    });

    it('refuses them with a 400 under Prefer: handling=strict', async () => {
      const response = await fhir.request('GET', 'Task?status=requested&colour=blue', undefined, { prefer: 'handling=strict' });
      expect(response.status).toBe(400);
      const outcome = await response.json();
      expect(outcome).toMatchObject({ resourceType: 'OperationOutcome', issue: [{ severity: 'error', expression: ['colour'] }] });
      const known = await fhir.request('GET', 'Task?status=requested', undefined, { prefer: 'handling=strict' });
      expect(known.status).toBe(200);
    });

    it('refuses them in conditional criteria (findIds), which must never match more than asked', async () => {
      const task = { resourceType: 'Task', status: 'requested', intent: 'order' };
      const unknown = await fhir.request('POST', 'Task', task, { 'if-none-exist': 'colour=blue' });
      expect(unknown.status).toBe(400);
      const existing = await fhir.request('POST', 'Task', task, { 'if-none-exist': 'identifier=urn:task|T1' });
      expect(existing.status).toBe(200);
      expect(((await existing.json()) as Task).id).toBe(ids['Task:call']);
    });

    it('refuses an unsupported modifier with a 400 whatever the handling', async () => {
      const response = await fhir.request('GET', 'Task?status:exact=requested');
      expect(response.status).toBe(400);
      expect(((await response.json()) as { issue: { expression: string[] }[] }).issue[0].expression).toEqual(['status:exact']);
    });
  });

  describe('deleted resources', () => {
    it('are never returned, included or matched through a chain', async () => {
      const patient = await fhir.create<Patient>({ resourceType: 'Patient', identifier: [{ system: 'urn:mrn', value: 'gone' }] });
      const task = await fhir.create<Task>({
        resourceType: 'Task',
        status: 'requested',
        intent: 'order',
        for: { reference: `Patient/${patient.id}` },
        code: { text: 'soon deleted' },
      });
      expect(matchIds(await fhir.search('Task?patient.identifier=urn:mrn|gone'))).toEqual([task.id]);
      expect(includedRefs(await fhir.search(`Task?_id=${task.id}&_include=Task:patient`))).toEqual([`Patient/${patient.id}`]);

      expect((await fhir.request('DELETE', `Patient/${patient.id}`)).status).toBeLessThan(300);
      expect(matchIds(await fhir.search('Patient?identifier=urn:mrn|gone'))).toEqual([]);
      expect(matchIds(await fhir.search('Task?patient.identifier=urn:mrn|gone'))).toEqual([]);
      expect(includedRefs(await fhir.search(`Task?_id=${task.id}&_include=Task:patient`))).toEqual([]);

      expect((await fhir.request('DELETE', `Task/${task.id}`)).status).toBeLessThan(300);
      expect(matchIds(await fhir.search('Task?code:text=soon'))).toEqual([]);
      expect(matchIds(await fhir.search(`Task?_id=${task.id}`))).toEqual([]);
    });
  });
});
