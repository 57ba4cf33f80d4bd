import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CarePlan, PlanDefinition, ServiceRequest, Task } from '@medplum/fhirtypes';
import { ControlledClock } from '../../src/platform/clock/clock';
import { bootTestApp, TestApp } from '../harness/test-app';
import { codeOf, CoordinationDriver, coverage, encounter, patient, PD, summary } from './support/coordination-driver';

const ADMITTED = '2026-11-20T10:00:00-05:00';
/** Friday after Thanksgiving 2026, 15:00 in New York. */
const DISCHARGED = '2026-11-27T15:00:00-05:00';
const QUEUE = 'HealthcareService/care-coordination';

describe('coordination: protocols turn admissions and discharges into plans', () => {
  let service: TestApp;
  let driver: CoordinationDriver;
  const clock = new ControlledClock('2026-11-20T10:00:05-05:00');

  beforeAll(async () => {
    service = await bootTestApp({}, { clock });
    driver = await CoordinationDriver.create(service);
  });
  afterAll(() => service.close());

  async function admit(patientId: string, encounterId: string, withCoverage = true): Promise<void> {
    clock.set('2026-11-20T10:00:05-05:00');
    await driver.receive({
      kind: 'encounter.admitted',
      occurredAt: ADMITTED,
      patientId,
      encounterId,
      writes: [patient(patientId), ...(withCoverage ? [coverage(`cov-${patientId}`, patientId)] : []), encounter(encounterId, patientId)],
      source: `urn:liaison:hl7:HOSP:A01-${encounterId}`,
    });
  }

  async function discharge(patientId: string, encounterId: string, disposition: string): Promise<void> {
    clock.set('2026-11-27T15:00:05-05:00');
    await driver.receive({
      kind: 'encounter.discharged',
      occurredAt: DISCHARGED,
      patientId,
      encounterId,
      writes: [encounter(encounterId, patientId, { end: DISCHARGED, disposition })],
      source: `urn:liaison:hl7:HOSP:A03-${encounterId}`,
    });
  }

  describe('A01 then A03 home (PV1-36 01) with active coverage', () => {
    beforeAll(async () => {
      await admit('pat-home', 'enc-home');
      await discharge('pat-home', 'enc-home', '01');
    });

    it('the admission made one active plan with the admission work', async () => {
      const admission = await driver.plan('enc-home', 'encounter.admitted');
      expect(admission.carePlan).toMatchObject({
        status: 'active',
        intent: 'plan',
        subject: { reference: 'Patient/pat-home' },
        encounter: { reference: 'Encounter/enc-home' },
        instantiatesCanonical: [PD('admission')],
      });
      expect(summary(admission.tasks)).toEqual([
        `discharge-planning | cancelled | 2026-11-21T10:00:00.000-05:00 | routine | ${QUEUE}`,
        `introduce-coordinator | ready | 2026-11-23T23:59:59.999-05:00 | routine | ${QUEUE}`,
        `verify-coverage | ready | 2026-11-23T23:59:59.999-05:00 | routine | ${QUEUE}`,
      ]);
      const planning = admission.tasks.find((t) => codeOf(t) === 'discharge-planning') as Task;
      expect(planning.statusReason?.text).toBe('Patient discharged');
    });

    it('the discharge made exactly one active CarePlan with the transitional-care Tasks and due dates', async () => {
      const { carePlan, tasks, serviceRequests } = await driver.plan('enc-home', 'encounter.discharged');
      expect(summary(tasks)).toEqual([
        `check-up-reminder | draft | 2027-01-03T23:59:59.999-05:00 | routine | ${QUEUE}`,
        `follow-up-appointment | ready | 2026-12-04T23:59:59.999-05:00 | routine | ${QUEUE}`,
        `medication-reconciliation | ready | 2026-12-04T23:59:59.999-05:00 | routine | ${QUEUE}`,
        // 2 business days after Friday 15:00: Monday, Tuesday.
        `post-discharge-contact | ready | 2026-12-01T23:59:59.999-05:00 | urgent | ${QUEUE}`,
      ]);
      expect(serviceRequests).toEqual([]);
      expect(carePlan).toMatchObject({
        status: 'active',
        intent: 'plan',
        subject: { reference: 'Patient/pat-home' },
        encounter: { reference: 'Encounter/enc-home' },
        period: { start: DISCHARGED },
        meta: { source: 'urn:liaison:hl7:HOSP:A03-enc-home' },
      });
      expect([...(carePlan.instantiatesCanonical ?? [])].sort()).toEqual([PD('check-up-reminders'), PD('discharge-home')]);
      expect((carePlan.activity ?? []).map((a) => a.reference?.reference).sort()).toEqual(tasks.map((t) => `Task/${t.id}`).sort());
      for (const task of tasks) {
        expect(task).toMatchObject({
          basedOn: [{ reference: `CarePlan/${carePlan.id}` }],
          for: { reference: 'Patient/pat-home' },
          encounter: { reference: 'Encounter/enc-home' },
          intent: 'order',
        });
      }
    });

    it('applying the same A03 again (a re-sent message) changes nothing', async () => {
      const before = await driver.versions();
      // Ingest writes nothing for an unchanged Encounter; coordination sees the same event again.
      await driver.receive({ kind: 'encounter.discharged', occurredAt: DISCHARGED, patientId: 'pat-home', encounterId: 'enc-home' });
      await driver.receive({ kind: 'encounter.admitted', occurredAt: ADMITTED, patientId: 'pat-home', encounterId: 'enc-home' });
      expect(await driver.versions()).toEqual(before);
    });
  });

  describe('A03 home with home health (06) and no coverage', () => {
    beforeAll(async () => {
      await admit('pat-hh', 'enc-hh', false);
      await discharge('pat-hh', 'enc-hh', '06');
    });

    it('adds a home-health referral with a Task to arrange it, and financial assistance', async () => {
      const { tasks, serviceRequests } = await driver.plan('enc-hh', 'encounter.discharged');
      expect(tasks.map(codeOf).sort()).toEqual([
        'check-up-reminder',
        'financial-assistance',
        'follow-up-appointment',
        'home-health',
        'medication-reconciliation',
        'post-discharge-contact',
      ]);
      expect(serviceRequests).toHaveLength(1);
      const [referral] = serviceRequests as [ServiceRequest];
      expect(referral).toMatchObject({ status: 'active', intent: 'order', subject: { reference: 'Patient/pat-hh' } });
      expect(referral.code?.coding?.[0]?.code).toBe('home-health');
      const arrange = tasks.find((t) => codeOf(t) === 'home-health') as Task;
      expect(arrange.focus).toEqual({ reference: `ServiceRequest/${referral.id}` });
      const financial = tasks.find((t) => codeOf(t) === 'financial-assistance') as Task;
      // 5 business days after Friday 2026-11-27: Mon 30, Tue 1, Wed 2, Thu 3, Fri 4.
      expect(financial.restriction?.period?.end).toBe('2026-12-04T23:59:59.999-05:00');
    });
  });

  describe('A13 after A03', () => {
    let dischargePlan: CarePlan;
    let completedId: string;

    beforeAll(async () => {
      await admit('pat-undo', 'enc-undo');
      await discharge('pat-undo', 'enc-undo', '01');
      const plan = await driver.plan('enc-undo', 'encounter.discharged');
      // One Task was already done before the discharge was cancelled: it stays done.
      const contact = plan.tasks.find((t) => codeOf(t) === 'post-discharge-contact') as Task;
      completedId = contact.id as string;
      expect((await driver.put({ ...contact, status: 'completed' })).status).toBe(200);
      clock.set('2026-11-27T18:00:00-05:00');
      await driver.receive({
        kind: 'encounter.discharge-cancelled',
        occurredAt: '2026-11-27T17:55:00-05:00',
        patientId: 'pat-undo',
        encounterId: 'enc-undo',
        writes: [encounter('enc-undo', 'pat-undo', { status: 'in-progress' })],
      });
      dischargePlan = (await driver.plan('enc-undo', 'encounter.discharged')).carePlan;
    });

    it('revokes the discharge plan and cancels its open work with a reason, keeping what was done', async () => {
      expect(dischargePlan.status).toBe('revoked');
      const { tasks } = await driver.plan('enc-undo', 'encounter.discharged');
      expect(tasks.map((t) => [codeOf(t), t.status, t.statusReason?.text]).sort()).toEqual([
        ['check-up-reminder', 'cancelled', 'Discharge cancelled'],
        ['follow-up-appointment', 'cancelled', 'Discharge cancelled'],
        ['medication-reconciliation', 'cancelled', 'Discharge cancelled'],
        ['post-discharge-contact', 'completed', undefined],
      ]);
      expect(tasks.find((t) => t.id === completedId)?.status).toBe('completed');
    });

    it('leaves the admission plan as it was', async () => {
      const admission = await driver.plan('enc-undo', 'encounter.admitted');
      expect(admission.carePlan.status).toBe('active');
    });

    it('a discharge after the undo starts a new plan (generation 2)', async () => {
      await discharge('pat-undo', 'enc-undo', '01');
      const { carePlans } = await driver.plansOf('enc-undo');
      const discharges = carePlans.filter((p) => p.category?.[0]?.coding?.[0]?.code === 'encounter.discharged');
      expect(discharges.map((p) => [p.status, p.identifier?.[0]?.value]).sort()).toEqual([
        ['active', 'Encounter/enc-undo|encounter.discharged|2'],
        ['revoked', 'Encounter/enc-undo|encounter.discharged|1'],
      ]);
    });
  });

  describe('A11 (admission cancelled) through the Encounter, whichever door', () => {
    it('revokes the admission plan when the Encounter is cancelled over FHIR', async () => {
      await admit('pat-a11', 'enc-a11');
      const cancelled = { ...encounter('enc-a11', 'pat-a11'), status: 'cancelled' as const };
      expect((await driver.put(cancelled)).status).toBe(200);
      const admission = await driver.plan('enc-a11', 'encounter.admitted');
      expect(admission.carePlan.status).toBe('revoked');
      expect(admission.tasks.map((t) => [t.status, t.statusReason?.text])).toEqual([
        ['cancelled', 'Admission cancelled'],
        ['cancelled', 'Admission cancelled'],
        ['cancelled', 'Admission cancelled'],
      ]);
    });
  });

  describe('A40 merge', () => {
    it('moves the merged-away patient plans and Tasks to the surviving patient', async () => {
      await admit('pat-old', 'enc-merge');
      await driver.tx((tx) => driver.store.update(tx, driver.principal, patient('pat-survivor')));
      await driver.receive({ kind: 'patient.merged', occurredAt: '2026-11-21T09:00:00-05:00', patientId: 'pat-survivor', mergedPatientId: 'pat-old' });
      const { carePlan, tasks } = await driver.plan('enc-merge', 'encounter.admitted');
      expect(carePlan.subject).toEqual({ reference: 'Patient/pat-survivor' });
      expect(tasks.map((t) => t.for?.reference)).toEqual(['Patient/pat-survivor', 'Patient/pat-survivor', 'Patient/pat-survivor']);
      expect(await driver.search(`/CarePlan?subject=Patient/pat-old`)).toEqual([]);
    });
  });

  describe('round-robin among coordinators', () => {
    it('gives each new encounter the next coordinator, and keeps one coordinator per encounter', async () => {
      await driver.tx((tx) =>
        driver.coordination.configure(tx, driver.client.tenantId, {
          timeZone: 'America/New_York',
          calendar: 'us-federal',
          defaultQueue: QUEUE,
          supervisorQueue: 'HealthcareService/coordination-supervisors',
          coordinators: ['Practitioner/ana', 'Practitioner/ben'],
          escalationBusinessDays: 1,
        }),
      );
      try {
        await admit('pat-rr1', 'enc-rr1');
        await admit('pat-rr2', 'enc-rr2');
        await admit('pat-rr3', 'enc-rr3');
        await discharge('pat-rr1', 'enc-rr1', '01');
        const owners = async (enc: string, kind: string, code: string): Promise<string | undefined> =>
          (await driver.plan(enc, kind)).tasks.find((t) => codeOf(t) === code)?.owner?.reference;
        expect(await owners('enc-rr1', 'encounter.admitted', 'introduce-coordinator')).toBe('Practitioner/ana');
        expect(await owners('enc-rr2', 'encounter.admitted', 'introduce-coordinator')).toBe('Practitioner/ben');
        expect(await owners('enc-rr3', 'encounter.admitted', 'introduce-coordinator')).toBe('Practitioner/ana');
        // Default-queue work stays in the queue; the discharge goes to the admission's coordinator.
        expect(await owners('enc-rr1', 'encounter.admitted', 'verify-coverage')).toBe(QUEUE);
        expect(await owners('enc-rr1', 'encounter.discharged', 'post-discharge-contact')).toBe('Practitioner/ana');
        const [settings] = await service.sql(`SELECT round_robin_next FROM coordination_settings WHERE tenant_id = 'default'`);
        expect(settings.round_robin_next).toBe(1);
      } finally {
        await service.sql(`DELETE FROM coordination_settings WHERE tenant_id = 'default'`);
      }
    });
  });

  describe('protocols are data: a tenant overrides them through the FHIR API', () => {
    it('a tenant PlanDefinition with the shipped url replaces the shipped protocol', async () => {
      const other = await CoordinationDriver.create(service, 'tenant-override');
      const shipped = JSON.parse(readFileSync(join(process.cwd(), 'fhir-profiles', 'PlanDefinition-discharge-home.json'), 'utf8')) as PlanDefinition;
      // The tenant's version: only the post-discharge call, due in 1 business day.
      const group = shipped.action?.[0];
      const contact = group?.action?.find((a) => a.id === 'post-discharge-contact');
      const override: PlanDefinition = {
        ...shipped,
        id: 'my-discharge-home',
        version: '2.0.0',
        action: [{ ...group, action: [{ ...contact, extension: [{ url: 'http://liaison.health/fhir/StructureDefinition/due-business-days', valueInteger: 1 }] }] }],
      };
      expect((await other.put(override)).status).toBe(201);
      clock.set('2026-11-27T15:00:05-05:00');
      await other.receive({
        kind: 'encounter.discharged',
        occurredAt: DISCHARGED,
        patientId: 'p1',
        encounterId: 'e1',
        writes: [patient('p1'), coverage('c1', 'p1'), encounter('e1', 'p1', { end: DISCHARGED, disposition: '01' })],
      });
      const { tasks } = await other.plan('e1', 'encounter.discharged');
      expect(summary(tasks)).toEqual([
        `check-up-reminder | draft | 2027-01-03T23:59:59.999-05:00 | routine | ${QUEUE}`,
        `post-discharge-contact | ready | 2026-11-30T23:59:59.999-05:00 | urgent | ${QUEUE}`,
      ]);
      // The default tenant still runs the shipped protocol.
      expect((await driver.plan('enc-home', 'encounter.discharged')).tasks).toHaveLength(4);
    });

    it('refuses a PlanDefinition that names a coordination event but is not a valid protocol (422)', async () => {
      const broken: PlanDefinition = {
        resourceType: 'PlanDefinition',
        id: 'broken',
        url: 'http://example.org/PlanDefinition/broken',
        status: 'active',
        action: [{ title: 'no id, no code, no due time', trigger: [{ type: 'named-event', name: 'encounter.discharged' }] }],
      };
      const answer = await driver.put(broken);
      expect(answer.status).toBe(422);
      expect(JSON.stringify(answer.body)).toContain('a leaf action needs an id');
      expect(await driver.search('/PlanDefinition?_id=broken')).toEqual([]);
    });
  });

  describe('refusals', () => {
    it('an encounter event without an encounter id is a 400 OperationOutcome, nothing written', async () => {
      const before = await driver.versions();
      await expect(driver.receive({ kind: 'encounter.discharged', occurredAt: DISCHARGED, patientId: 'pat-home' })).rejects.toMatchObject({
        outcome: { issue: [{ code: 'invalid', expression: ['encounterId'] }] },
      });
      expect(await driver.versions()).toEqual(before);
    });

    it('an unknown patient is a 404 OperationOutcome', async () => {
      await expect(
        driver.receive({ kind: 'encounter.discharged', occurredAt: DISCHARGED, patientId: 'nobody', encounterId: 'enc-home' }),
      ).rejects.toMatchObject({ outcome: { issue: [{ code: 'not-found' }] } });
    });
  });
});
