import type { CarePlan, Task } from '@medplum/fhirtypes';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { CoordinationService, TaskSweepJob } from '../../src/coordination';
import { PlanContextReader } from '../../src/coordination/plan-context.reader';
import { TaskScheduleRepository } from '../../src/coordination/task-schedule.repository';
import { FhirStore } from '../../src/fhir';
import { ControlledClock } from '../../src/platform/clock/clock';
import { bootTestApp, TestApp } from '../harness/test-app';
import { codeOf, CoordinationDriver, coverage, encounter, patient } from './support/coordination-driver';

const DISCHARGED = '2026-11-27T15:00:00-05:00';
const SUPERVISORS = 'HealthcareService/coordination-supervisors';
const OVERDUE = { system: 'http://liaison.health/fhir/CodeSystem/task-business-status', code: 'overdue', display: 'Overdue' };

describe('coordination schedule: reminders and overdue Tasks', () => {
  let service: TestApp;
  let driver: CoordinationDriver;
  const clock = new ControlledClock('2026-11-27T15:00:05-05:00');

  beforeAll(async () => {
    service = await bootTestApp({}, { clock });
    driver = await CoordinationDriver.create(service);
  });
  afterAll(() => service.close());

  async function discharge(id: string, tenantDriver = driver): Promise<{ carePlan: CarePlan; tasks: Task[] }> {
    clock.set('2026-11-27T15:00:05-05:00');
    await tenantDriver.receive({
      kind: 'encounter.discharged',
      occurredAt: DISCHARGED,
      patientId: `pat-${id}`,
      encounterId: `enc-${id}`,
      writes: [patient(`pat-${id}`), coverage(`cov-${id}`, `pat-${id}`), encounter(`enc-${id}`, `pat-${id}`, { end: DISCHARGED, disposition: '01' })],
    });
    return tenantDriver.plan(`enc-${id}`, 'encounter.discharged');
  }

  const byCode = (tasks: readonly Task[], code: string): Task => tasks.find((t) => codeOf(t) === code) as Task;

  /** Rows of the schedule index for some Tasks. */
  async function scheduled(ids: readonly string[]): Promise<Record<string, string>> {
    const rows = await service.sql(`SELECT task_id, wake_at FROM coordination_task_schedule WHERE task_id = ANY($1)`, [ids]);
    return Object.fromEntries(rows.map((r) => [r.task_id as string, (r.wake_at as Date).toISOString()]));
  }

  describe('overdue', () => {
    let plan: { carePlan: CarePlan; tasks: Task[] };
    let contact: Task;

    beforeAll(async () => {
      plan = await discharge('late');
      contact = byCode(plan.tasks, 'post-discharge-contact');
    });

    it('keeps the schedule index in step with the Tasks (due times; the reminder by its start)', async () => {
      const reminder = byCode(plan.tasks, 'check-up-reminder');
      const index = await scheduled(plan.tasks.map((t) => t.id as string));
      expect(index[contact.id as string]).toBe('2026-12-02T04:59:59.999Z');
      expect(index[reminder.id as string]).toBe(new Date(reminder.restriction?.period?.start as string).toISOString());
      expect(Object.keys(index)).toHaveLength(4);
    });

    it('leaves a Task alone until its due time has passed', async () => {
      const report = await driver.sweep.runOnce(new Date('2026-12-01T23:59:59.999-05:00'));
      expect(report).toMatchObject({ becameOverdue: 0, escalated: 0 });
      expect((await driver.read<Task>('Task', contact.id as string)).businessStatus).toBeUndefined();
    });

    it('marks it overdue, raises its priority and escalates to the supervisor queue, on the controlled clock', async () => {
      clock.set('2026-12-02T08:00:00-05:00');
      const report = await driver.sweep.runOnce();
      expect(report).toMatchObject({ becameOverdue: 1, escalated: 1, becameReady: 0, skipped: 0 });

      const marked = await driver.read<Task>('Task', contact.id as string);
      expect(marked).toMatchObject({
        status: 'ready',
        priority: 'asap',
        businessStatus: { coding: [OVERDUE] },
        meta: { versionId: '2', source: 'urn:liaison:coordination:sweep' },
      });
      const [escalation] = await driver.search<Task>(`/Task?focus=Task/${contact.id}`);
      expect(escalation).toMatchObject({
        status: 'ready',
        priority: 'asap',
        code: { coding: [{ code: 'escalation' }] },
        owner: { reference: SUPERVISORS },
        for: { reference: 'Patient/pat-late' },
        basedOn: [{ reference: `CarePlan/${plan.carePlan.id}` }],
        // Due the next business day after the sweep (Wednesday → Thursday).
        restriction: { period: { end: '2026-12-03T23:59:59.999-05:00' } },
      });
      const carePlan = await driver.read<CarePlan>('CarePlan', plan.carePlan.id as string);
      expect(carePlan.activity?.map((a) => a.reference?.reference)).toContain(`Task/${escalation.id}`);
      // The marked Task left the schedule; the escalation joined it.
      expect(Object.keys(await scheduled([contact.id as string, escalation.id as string]))).toEqual([escalation.id]);
    });

    it('a second run decides nothing new', async () => {
      const before = await driver.versions();
      const report = await driver.sweep.runOnce();
      expect(report).toMatchObject({ becameOverdue: 0, escalated: 0, becameReady: 0 });
      expect(await driver.versions()).toEqual(before);
    });

    it('an escalation that is itself overdue is marked but not escalated again', async () => {
      const [escalation] = await driver.search<Task>(`/Task?focus=Task/${contact.id}`);
      const report = await driver.sweep.runOnce(new Date('2026-12-04T08:00:00-05:00'));
      // Everything else of the plan (due Friday 4th) is not overdue yet; the escalation (due Thursday) is.
      expect(report).toMatchObject({ becameOverdue: 1, escalated: 0 });
      expect((await driver.read<Task>('Task', escalation.id as string)).businessStatus?.coding).toEqual([OVERDUE]);
    });
  });

  describe('reminders', () => {
    it('a scheduled check-up call becomes ready when its time comes, not before', async () => {
      const { tasks } = await discharge('reminder');
      const reminder = byCode(tasks, 'check-up-reminder');
      expect(reminder.status).toBe('draft');
      // 30 days after the discharge day, at the start of the local day.
      expect(reminder.restriction?.period?.start).toBe('2026-12-27T00:00:00.000-05:00');

      await driver.sweep.runOnce(new Date('2026-12-26T23:59:59-05:00'));
      expect((await driver.read<Task>('Task', reminder.id as string)).status).toBe('draft');

      clock.set('2026-12-27T00:00:01-05:00');
      const report = await driver.sweep.runOnce();
      expect(report.becameReady).toBeGreaterThanOrEqual(1);
      expect(await driver.read<Task>('Task', reminder.id as string)).toMatchObject({ status: 'ready', meta: { source: 'urn:liaison:coordination:sweep' } });
    });
  });

  describe('several instances', () => {
    const PATIENTS = 26;
    let other: CoordinationDriver;

    it('two concurrent sweeps never escalate a Task twice', async () => {
      other = await CoordinationDriver.create(service, 'tenant-sweep');
      const plans = [];
      for (let i = 0; i < PATIENTS; i++) plans.push(await discharge(`concurrent-${i}`, other));
      // A second "instance": its own job object on the same database (runs of one object never overlap).
      const second = new TaskSweepJob(
        service.app.get(DataSource),
        service.app.get(TaskScheduleRepository),
        service.app.get(PlanContextReader),
        service.app.get(FhirStore),
        service.app.get(CoordinationService),
        clock,
        { ...service.config, sweepIntervalSeconds: 0 },
      );
      const at = new Date('2026-12-02T08:00:00-05:00');
      const [a, b] = await Promise.all([other.sweep.runOnce(at, { batchSize: 3 }), second.runOnce(at, { batchSize: 3 })]);
      const mine = (report: typeof a): number => report.escalated;
      expect(mine(a) + mine(b)).toBe(PATIENTS);

      const contacts = plans.map((p) => byCode(p.tasks, 'post-discharge-contact').id);
      const escalations = await other.search<Task>(`/Task?code=http://liaison.health/fhir/CodeSystem/task-code|escalation&_count=100`);
      expect(escalations.map((e) => e.focus?.reference?.slice('Task/'.length)).sort()).toEqual([...contacts].sort());
      for (const id of contacts) {
        const marked = await other.read<Task>('Task', id as string);
        expect([id, marked.meta?.versionId, marked.priority]).toEqual([id, '2', 'asap']);
      }
    });
  });

  describe('large batches', () => {
    it('a batch of more Tasks than one search takes (100) is read and written whole', async () => {
      const other = await CoordinationDriver.create(service, 'tenant-sweep');
      // Weeks later: 26 follow-ups, 26 reconciliations and 26 escalations overdue, 26 reminders due.
      const report = await other.sweep.runOnce(new Date('2026-12-28T08:00:00-05:00'), { batchSize: 500 });
      expect(report).toMatchObject({ batches: 1, examined: 104, becameReady: 26, becameOverdue: 78, escalated: 52, skipped: 0, failedTenants: 0 });
    });
  });

  describe('a writer changing a Task the sweep is about to mark', () => {
    it('is not overwritten: the batch is decided again on what was committed', async () => {
      const { tasks } = await discharge('race');
      const contact = byCode(tasks, 'post-discharge-contact');
      const follow = byCode(tasks, 'follow-up-appointment');
      // Another writer holds the Task, and completes it while the sweep waits for it.
      const writer = new Client({ connectionString: service.database.url });
      await writer.connect();
      try {
        await writer.query('BEGIN');
        await writer.query(`SELECT 1 FROM fhir_resources WHERE resource_type = 'Task' AND id = $1 FOR UPDATE`, [contact.id]);
        const sweeping = driver.sweep.runOnce(new Date('2026-12-08T08:00:00-05:00'));
        await new Promise((resolve) => setTimeout(resolve, 300));
        await writer.query(
          `UPDATE fhir_resources SET version_id = version_id + 1,
                  content = jsonb_set(jsonb_set(content, '{status}', '"completed"'), '{meta,versionId}', to_jsonb((version_id + 1)::text))
            WHERE resource_type = 'Task' AND id = $1`,
          [contact.id],
        );
        await writer.query('COMMIT');
        const report = await sweeping;
        expect(report.failedTenants).toBe(0);
      } finally {
        await writer.end();
      }
      expect((await driver.read<Task>('Task', contact.id as string)).status).toBe('completed');
      expect((await driver.read<Task>('Task', contact.id as string)).businessStatus).toBeUndefined();
      expect(await driver.search(`/Task?focus=Task/${contact.id}`)).toEqual([]);
      // The rest of the batch was swept.
      expect((await driver.read<Task>('Task', follow.id as string)).businessStatus?.coding).toEqual([OVERDUE]);
      expect(await driver.search(`/Task?focus=Task/${follow.id}`)).toHaveLength(1);
    });
  });

  describe('the interval runner', () => {
    it('runs by itself when started, on the injected clock, and stops', async () => {
      const { tasks } = await discharge('interval');
      const contact = byCode(tasks, 'post-discharge-contact');
      clock.set('2026-12-02T09:00:00-05:00');
      driver.sweep.start(20);
      try {
        const deadline = Date.now() + 5000;
        let marked: Task | undefined;
        while (Date.now() < deadline) {
          marked = await driver.read<Task>('Task', contact.id as string);
          if (marked.businessStatus) break;
          await new Promise((resolve) => setTimeout(resolve, 25));
        }
        expect(marked?.businessStatus?.coding).toEqual([OVERDUE]);
      } finally {
        await driver.sweep.stop();
      }
    });
  });
});
