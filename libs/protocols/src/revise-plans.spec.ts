import { transitionTask } from '@liaison/task-workflow';
import type { CarePlan, ServiceRequest, Task } from '@medplum/fhirtypes';
import { applyProtocols } from './apply-protocols';
import { ExistingPlan, PlanResource } from './protocol-model';
import { revisePlans, retargetReferences } from './revise-plans';
import { context, encounter, materialize, newId, PROTOCOLS, settings, validationErrors } from './testing/fixtures';

const TASK_CODE = 'http://liaison.health/fhir/CodeSystem/task-code';
const codeOf = (task: Task): string | undefined => task.code?.coding?.find((c) => c.system === TASK_CODE)?.code;
const tasksOf = (resources: readonly PlanResource[]): Task[] => resources.filter((r): r is Task => r.resourceType === 'Task');
const plansOf = (resources: readonly PlanResource[]): CarePlan[] => resources.filter((r): r is CarePlan => r.resourceType === 'CarePlan');
const requestsOf = (resources: readonly PlanResource[]): ServiceRequest[] =>
  resources.filter((r): r is ServiceRequest => r.resourceType === 'ServiceRequest');

const ADMIT = '2026-11-20T10:00:00-05:00';
const DISCHARGE = '2026-11-27T15:00:00-05:00';
const CANCEL = '2026-11-27T18:00:00-05:00';
const NOW = '2026-11-27T18:00:02.000-05:00';

/** An admission plan and a home-health discharge plan for enc-1; the contact call already made. */
function storedPlans(): ExistingPlan[] {
  const admission = applyProtocols({
    protocols: PROTOCOLS,
    context: context('encounter.admitted', ADMIT),
    plans: [],
    settings,
    now: '2026-11-20T10:00:03.000-05:00',
    newId,
  });
  const afterAdmission = materialize(admission);
  const discharge = applyProtocols({
    protocols: PROTOCOLS,
    context: context('encounter.discharged', DISCHARGE, { encounter: encounter({ disposition: '06' }) }),
    plans: afterAdmission,
    settings,
    now: '2026-11-27T15:00:05.000-05:00',
    newId,
  });
  const plans = materialize(discharge, afterAdmission);
  return plans.map((plan) => ({
    ...plan,
    tasks: plan.tasks.map((task) =>
      codeOf(task) === 'post-discharge-contact' ? transitionTask(task, 'completed', '2026-11-27T17:00:00.000-05:00') : task,
    ),
  }));
}

const kindOf = (plan: CarePlan): string | undefined => plan.category?.[0]?.coding?.[0]?.code;

describe('A13: the discharge is cancelled', () => {
  const plans = storedPlans();
  const discharge = plans.find((p) => kindOf(p.carePlan) === 'encounter.discharged') as ExistingPlan;
  const result = revisePlans({
    event: { kind: 'encounter.discharge-cancelled', occurredAt: CANCEL },
    encounter: { reference: 'Encounter/enc-1' },
    plans,
    settings,
    now: NOW,
    newId,
  });

  it('cancels the open discharge work with a reason and keeps what was done', () => {
    expect(tasksOf(result.update).map((t) => [codeOf(t), t.status, t.statusReason?.text]).sort()).toEqual([
      ['check-up-reminder', 'cancelled', 'Discharge cancelled'],
      ['follow-up-appointment', 'cancelled', 'Discharge cancelled'],
      ['home-health', 'cancelled', 'Discharge cancelled'],
      ['medication-reconciliation', 'cancelled', 'Discharge cancelled'],
    ]);
    const contact = discharge.tasks.find((t) => codeOf(t) === 'post-discharge-contact') as Task;
    expect(result.update.find((r) => r.id === contact.id)).toBeUndefined();
  });

  it('revokes the referral nobody pursues any more and the plan', () => {
    expect(requestsOf(result.update).map((sr) => sr.status)).toEqual(['revoked']);
    expect(plansOf(result.update).map((p) => [p.id, p.status, p.period?.end])).toEqual([[discharge.carePlan.id, 'revoked', NOW]]);
  });

  it('leaves the admission plan alone and creates nothing', () => {
    const admission = plans.find((p) => kindOf(p.carePlan) === 'encounter.admitted') as ExistingPlan;
    const touched = new Set(result.update.map((r) => r.id));
    expect([admission.carePlan, ...admission.tasks].some((r) => touched.has(r.id))).toBe(false);
    expect(result.create).toEqual([]);
  });

  it('is valid and idempotent', () => {
    for (const resource of result.update) expect(validationErrors(resource)).toEqual([]);
    const again = revisePlans({
      event: { kind: 'encounter.discharge-cancelled', occurredAt: CANCEL },
      encounter: { reference: 'Encounter/enc-1' },
      plans: materialize(result, plans),
      settings,
      now: NOW,
      newId,
    });
    expect(again).toEqual({ create: [], update: [] });
  });
});

describe('A11: the admission is cancelled', () => {
  const plans = storedPlans();
  const result = revisePlans({
    event: { kind: 'encounter.admission-cancelled', occurredAt: CANCEL },
    encounter: { reference: 'Encounter/enc-1' },
    plans,
    settings,
    now: NOW,
    newId,
  });

  it('revokes every plan of the encounter and cancels all their open work', () => {
    expect(plansOf(result.update).map((p) => [kindOf(p), p.status]).sort()).toEqual([
      ['encounter.admitted', 'revoked'],
      ['encounter.discharged', 'revoked'],
    ]);
    const open = plans.flatMap((p) => p.tasks).filter((t) => !['completed', 'cancelled'].includes(t.status));
    expect(open.length).toBeGreaterThan(4);
    expect(tasksOf(result.update).map((t) => t.id).sort()).toEqual(open.map((t) => t.id).sort());
    expect(new Set(tasksOf(result.update).map((t) => t.statusReason?.text))).toEqual(new Set(['Admission cancelled']));
  });

  it('ignores other encounters', () => {
    const other = revisePlans({
      event: { kind: 'encounter.admission-cancelled', occurredAt: CANCEL },
      encounter: { reference: 'Encounter/enc-2' },
      plans,
      settings,
      now: NOW,
      newId,
    });
    expect(other).toEqual({ create: [], update: [] });
  });

  it('needs the encounter', () => {
    expect(() =>
      revisePlans({ event: { kind: 'encounter.admission-cancelled', occurredAt: CANCEL }, plans, settings, now: NOW, newId }),
    ).toThrow(/needs the encounter/);
  });
});

describe('A40: the patient is merged into another', () => {
  const plans = storedPlans();
  const merge = { source: { reference: 'Patient/pat-1' }, target: { reference: 'Patient/pat-9' } };
  const result = revisePlans({ event: { kind: 'patient.merged', occurredAt: CANCEL }, merge, plans, settings, now: NOW, newId });

  it('moves every plan, Task and referral, done work included', () => {
    const all = plans.flatMap((p) => [p.carePlan, ...p.tasks, ...p.serviceRequests]);
    expect(result.update).toHaveLength(all.length);
    for (const plan of plansOf(result.update)) expect(plan.subject).toEqual(merge.target);
    for (const task of tasksOf(result.update)) {
      expect(task.for).toEqual(merge.target);
      expect(task.lastModified).toBe(NOW);
    }
    for (const request of requestsOf(result.update)) expect(request.subject).toEqual(merge.target);
    expect(tasksOf(result.update).find((t) => codeOf(t) === 'post-discharge-contact')?.status).toBe('completed');
  });

  it('changes nothing else', () => {
    const byId = new Map(plans.flatMap((p) => [p.carePlan, ...p.tasks, ...p.serviceRequests]).map((r) => [r.id, r]));
    for (const resource of result.update) {
      const before = byId.get(resource.id) as unknown as Record<string, unknown>;
      const changed = Object.keys({ ...before, ...resource }).filter(
        (key) => JSON.stringify(before[key]) !== JSON.stringify((resource as unknown as Record<string, unknown>)[key]),
      );
      expect(changed.every((key) => ['subject', 'for', 'lastModified'].includes(key))).toBe(true);
    }
  });

  it('moves references to an encounter too', () => {
    const moved = retargetReferences(plans, { reference: 'Encounter/enc-1' }, { reference: 'Encounter/enc-7' }, NOW);
    expect(moved.update.length).toBeGreaterThan(0);
    expect(tasksOf(moved.update).every((t) => t.encounter?.reference === 'Encounter/enc-7')).toBe(true);
  });

  it('needs both patients', () => {
    expect(() => revisePlans({ event: { kind: 'patient.merged', occurredAt: CANCEL }, plans, settings, now: NOW, newId })).toThrow(
      /merge.source/,
    );
  });

  it('refuses plan-starting events', () => {
    expect(() => revisePlans({ event: { kind: 'encounter.discharged', occurredAt: CANCEL }, plans, settings, now: NOW, newId })).toThrow(
      /applyProtocols/,
    );
  });
});
