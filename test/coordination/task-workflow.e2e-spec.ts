import type { Bundle, CarePlan, ServiceRequest, Task } from '@medplum/fhirtypes';
import { ControlledClock } from '../../src/platform/clock/clock';
import { bootTestApp, TestApp } from '../harness/test-app';
import { codeOf, CoordinationDriver, coverage, encounter, patient } from './support/coordination-driver';

const DISCHARGED = '2026-11-27T15:00:00-05:00';

describe('coordination: the Task state machine on every door, and what follows a Task', () => {
  let service: TestApp;
  let driver: CoordinationDriver;
  const clock = new ControlledClock('2026-11-27T15:00:05-05:00');

  beforeAll(async () => {
    service = await bootTestApp({}, { clock });
    driver = await CoordinationDriver.create(service);
  });
  afterAll(() => service.close());

  /** A discharge (home health when `disposition` 06) of a new patient; its plan as read over FHIR. */
  async function discharged(id: string, disposition = '01', withCoverage = true): Promise<{ carePlan: CarePlan; tasks: Task[]; serviceRequests: ServiceRequest[] }> {
    clock.set('2026-11-27T15:00:05-05:00');
    await driver.receive({
      kind: 'encounter.discharged',
      occurredAt: DISCHARGED,
      patientId: `pat-${id}`,
      encounterId: `enc-${id}`,
      writes: [
        patient(`pat-${id}`),
        ...(withCoverage ? [coverage(`cov-${id}`, `pat-${id}`)] : []),
        encounter(`enc-${id}`, `pat-${id}`, { end: DISCHARGED, disposition }),
      ],
    });
    return driver.plan(`enc-${id}`, 'encounter.discharged');
  }

  const byCode = (tasks: readonly Task[], code: string): Task => tasks.find((t) => codeOf(t) === code) as Task;

  describe('FHIR PUT', () => {
    let tasks: Task[];
    beforeAll(async () => {
      ({ tasks } = await discharged('put'));
    });

    it('refuses a forbidden transition with 409 and an OperationOutcome naming Task.status; nothing changes', async () => {
      const contact = byCode(tasks, 'post-discharge-contact');
      const before = await driver.versions();
      const answer = await driver.put({ ...contact, status: 'accepted' });
      expect(answer.status).toBe(409);
      expect(answer.body).toMatchObject({
        resourceType: 'OperationOutcome',
        issue: [{ severity: 'error', code: 'conflict', expression: ['Task.status'] }],
      });
      expect(await driver.versions()).toEqual(before);
      expect((await driver.read<Task>('Task', contact.id as string)).status).toBe('ready');
    });

    it('refuses a cancel without a reason with 422 (business-rule, Task.statusReason)', async () => {
      const contact = byCode(tasks, 'post-discharge-contact');
      const answer = await driver.put({ ...contact, status: 'cancelled' });
      expect(answer.status).toBe(422);
      expect(answer.body).toMatchObject({ issue: [{ code: 'business-rule', expression: ['Task.statusReason'] }] });
    });

    it('allows an allowed transition, with a finer step in businessStatus', async () => {
      const contact = byCode(tasks, 'post-discharge-contact');
      const answer = await driver.put({
        ...contact,
        status: 'in-progress',
        businessStatus: { coding: [{ system: 'http://liaison.health/fhir/CodeSystem/task-business-status', code: 'left-voicemail' }] },
      });
      expect(answer.status).toBe(200);
      expect(answer.body).toMatchObject({ status: 'in-progress', meta: { versionId: '2' } });
    });

    it('refuses a change to a finished Task (409), but lets a note be added', async () => {
      const med = byCode(tasks, 'medication-reconciliation');
      expect((await driver.put({ ...med, status: 'completed' })).status).toBe(200);
      const done = await driver.read<Task>('Task', med.id as string);
      expect((await driver.put({ ...done, priority: 'stat' })).status).toBe(409);
      expect((await driver.put({ ...done, note: [{ text: 'Reviewed with the pharmacist' }] })).status).toBe(200);
    });
  });

  describe('FHIR POST', () => {
    it('refuses a Task created cancelled without a reason (422) or entered-in-error', async () => {
      const { tasks } = await discharged('post');
      const { id: _id, meta: _meta, identifier: _identifier, ...template } = byCode(tasks, 'post-discharge-contact');
      const post = (task: Partial<Task>): Promise<Response> => driver.client.http('/Task', { method: 'POST', body: JSON.stringify({ ...template, ...task }) });
      const cancelled = await post({ status: 'cancelled' });
      expect(cancelled.status).toBe(422);
      expect(await cancelled.json()).toMatchObject({ issue: [{ code: 'business-rule', expression: ['Task.statusReason'] }] });
      expect((await post({ status: 'entered-in-error' })).status).toBe(422);
      expect((await post({ status: 'cancelled', statusReason: { text: 'Recorded after the fact' } })).status).toBe(201);
    });
  });

  describe('FHIR PATCH', () => {
    it('applies the same machine to a JSON Patch', async () => {
      const { tasks } = await discharged('patch');
      const contact = byCode(tasks, 'post-discharge-contact');
      const patch = (ops: unknown[]): Promise<Response> =>
        driver.client.http(`/Task/${contact.id}`, { method: 'PATCH', body: JSON.stringify(ops), headers: { 'content-type': 'application/json-patch+json' } });
      expect((await patch([{ op: 'replace', path: '/status', value: 'received' }])).status).toBe(409);
      expect((await patch([{ op: 'replace', path: '/status', value: 'in-progress' }])).status).toBe(200);
    });
  });

  describe('FHIR transaction', () => {
    it('a Bundle with one forbidden transition rolls back whole', async () => {
      const { tasks } = await discharged('bundle');
      const contact = byCode(tasks, 'post-discharge-contact');
      const follow = byCode(tasks, 'follow-up-appointment');
      const before = await driver.versions();
      const bundle: Bundle = {
        resourceType: 'Bundle',
        type: 'transaction',
        entry: [
          { resource: { ...follow, status: 'in-progress' }, request: { method: 'PUT', url: `Task/${follow.id}` } },
          { resource: { resourceType: 'Patient', name: [{ family: 'Created-In-Bundle' }] }, request: { method: 'POST', url: 'Patient' } },
          { resource: { ...contact, status: 'draft' }, request: { method: 'PUT', url: `Task/${contact.id}` } },
        ],
      };
      const response = await driver.client.http('', { method: 'POST', body: JSON.stringify(bundle) });
      expect(response.status).toBe(409);
      const outcome = (await response.json()) as { issue: { code: string; expression: string[] }[] };
      expect(outcome.issue[0]).toMatchObject({ code: 'conflict', expression: ['Bundle.entry[2].resource.status'] });
      expect(await driver.versions()).toEqual(before);
      expect(await driver.search('/Patient?family=Created-In-Bundle')).toEqual([]);
    });

    it('a Bundle of allowed transitions commits, and the plan follows its Tasks in the same transaction', async () => {
      const { carePlan, tasks } = await discharged('bundle-ok');
      const entries = tasks.map((task) => ({
        resource:
          task.status === 'draft'
            ? { ...task, status: 'cancelled' as const, statusReason: { text: 'Patient declined further calls' } }
            : { ...task, status: 'completed' as const },
        request: { method: 'PUT' as const, url: `Task/${task.id}` },
      }));
      const response = await driver.client.http('', { method: 'POST', body: JSON.stringify({ resourceType: 'Bundle', type: 'transaction', entry: entries }) });
      expect(response.status).toBe(200);
      const plan = await driver.read<CarePlan>('CarePlan', carePlan.id as string);
      expect(plan.status).toBe('completed');
      expect(plan.period?.end).toBeDefined();
    });
  });

  describe('CarePlan follows its Tasks, a referral follows its Task', () => {
    it('completing every Task (one at a time, over FHIR) completes the CarePlan; not before', async () => {
      const { carePlan, tasks } = await discharged('complete');
      for (const [index, task] of tasks.entries()) {
        const next = task.status === 'draft' ? { ...task, status: 'ready' as const } : task;
        if (next !== task) expect((await driver.put(next)).status).toBe(200);
        const current = await driver.read<Task>('Task', task.id as string);
        expect((await driver.put({ ...current, status: 'completed' })).status).toBe(200);
        const plan = await driver.read<CarePlan>('CarePlan', carePlan.id as string);
        expect([index, plan.status]).toEqual([index, index === tasks.length - 1 ? 'completed' : 'active']);
      }
    });

    it('the home-health referral is completed when the Task that arranges it completes', async () => {
      const { tasks, serviceRequests } = await discharged('hh-done', '06');
      const arrange = byCode(tasks, 'home-health');
      expect((await driver.put({ ...arrange, status: 'completed' })).status).toBe(200);
      expect((await driver.read<ServiceRequest>('ServiceRequest', serviceRequests[0].id as string)).status).toBe('completed');
    });

    it('a rejected referral re-opens work to find another performer (closed loop)', async () => {
      const { carePlan, tasks, serviceRequests } = await discharged('hh-rejected', '06');
      const referral = serviceRequests[0];
      const arrange = byCode(tasks, 'home-health');
      // The agency the coordinator picked declines.
      const agency = { reference: 'Organization/agency-1' };
      expect((await driver.put({ ...referral, performer: [agency] })).status).toBe(200);
      expect((await driver.put({ ...arrange, owner: agency })).status).toBe(200);
      const assigned = await driver.read<Task>('Task', arrange.id as string);
      expect((await driver.put({ ...assigned, status: 'in-progress' })).status).toBe(200);
      const working = await driver.read<Task>('Task', arrange.id as string);
      expect((await driver.put({ ...working, status: 'failed', statusReason: { text: 'No capacity' } })).status).toBe(200);

      const reopened = await driver.read<ServiceRequest>('ServiceRequest', referral.id as string);
      expect(reopened.status).toBe('active');
      expect(reopened.performer).toBeUndefined();
      const retry = await driver.search<Task>(`/Task?focus=ServiceRequest/${referral.id}&status=ready`);
      expect(retry).toHaveLength(1);
      expect(retry[0]).toMatchObject({
        code: { coding: [{ code: 'referral' }] },
        owner: { reference: 'HealthcareService/care-coordination' },
        basedOn: [{ reference: `CarePlan/${carePlan.id}` }],
        // The next business day after the refusal (Friday 27th → Monday 30th).
        restriction: { period: { end: '2026-11-30T23:59:59.999-05:00' } },
      });
      const plan = await driver.read<CarePlan>('CarePlan', carePlan.id as string);
      expect(plan.activity?.map((a) => a.reference?.reference)).toContain(`Task/${retry[0].id}`);
    });
  });

  describe('coverage changes re-evaluate the coverage rules of open plans', () => {
    it('a Coverage of a patient this service never received is simply stored', async () => {
      const plan = { resourceType: 'CarePlan', status: 'active', intent: 'plan', subject: { reference: 'Patient/ghost' }, encounter: { reference: 'Encounter/ghost' } };
      expect((await driver.client.http('/CarePlan', { method: 'POST', body: JSON.stringify(plan) })).status).toBe(201);
      const created = await driver.client.http('/Coverage', { method: 'POST', body: JSON.stringify({ ...coverage('x', 'ghost'), id: undefined }) });
      expect(created.status).toBe(201);
    });

    it('an active Coverage written over FHIR cancels the financial-assistance work; losing it opens it again', async () => {
      const { carePlan } = await discharged('cov', '01', false);
      const financial = async (): Promise<Task[]> =>
        (await driver.search<Task>(`/Task?based-on=CarePlan/${carePlan.id}&code=http://liaison.health/fhir/CodeSystem/task-code|financial-assistance`));
      expect((await financial()).map((t) => t.status)).toEqual(['ready']);

      const created = await driver.client.http('/Coverage/cov-late', { method: 'PUT', body: JSON.stringify(coverage('cov-late', 'pat-cov')) });
      expect(created.status).toBe(201);
      expect((await financial()).map((t) => [t.status, t.statusReason?.text])).toEqual([
        ['cancelled', 'No longer applies: Help the patient with financial assistance (no active coverage)'],
      ]);

      clock.set('2026-11-28T09:00:00-05:00');
      const cancelled = { ...coverage('cov-late', 'pat-cov'), status: 'cancelled' as const };
      expect((await driver.put(cancelled)).status).toBe(200);
      const after = await financial();
      expect(after.map((t) => t.status).sort()).toEqual(['cancelled', 'ready']);
      expect(after.find((t) => t.status === 'ready')?.identifier?.[0]?.value).toMatch(/#financial-assistance~2$/);
    });
  });
});
