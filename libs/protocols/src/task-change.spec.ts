import { setBusinessStatus, businessStatusConcept, transitionTask } from '@liaison/task-workflow';
import type { CarePlan, ServiceRequest, Task } from '@medplum/fhirtypes';
import { applyProtocols } from './apply-protocols';
import { ExistingPlan, PlanResource } from './protocol-model';
import { followTaskChange } from './task-change';
import { context, DEFAULT_QUEUE, encounter, materialize, newId, PROTOCOLS, settings, validationErrors } from './testing/fixtures';

const TASK_CODE = 'http://liaison.health/fhir/CodeSystem/task-code';
const codeOf = (task: Task): string | undefined => task.code?.coding?.find((c) => c.system === TASK_CODE)?.code;
const NOW = '2026-11-30T10:00:00.000-05:00';

const [plan] = materialize(
  applyProtocols({
    protocols: PROTOCOLS,
    context: context('encounter.discharged', '2026-11-27T15:00:00-05:00', { encounter: encounter({ disposition: '06' }) }),
    plans: [],
    settings,
    now: '2026-11-27T15:00:05.000-05:00',
    newId,
  }),
);
const arrange = plan.tasks.find((t) => codeOf(t) === 'home-health') as Task;
const referral = plan.serviceRequests[0];
const AGENCY = { reference: 'Organization/home-health-agency' };

/** The coordinator sent the referral to an agency: the Task is requested from it, the agency is the performer. */
const sent: Task = { ...arrange, status: 'requested', owner: AGENCY };
const sentReferral: ServiceRequest = { ...referral, performer: [AGENCY] };
const sentPlan: ExistingPlan = { ...plan, tasks: plan.tasks.map((t) => (t.id === sent.id ? sent : t)), serviceRequests: [sentReferral] };

const of = <T extends PlanResource['resourceType']>(resources: readonly PlanResource[], type: T) =>
  resources.filter((r) => r.resourceType === type) as Extract<PlanResource, { resourceType: T }>[];

describe('followTaskChange', () => {
  it('a rejected referral re-opens: back to active, performer removed, a Task to find another, in the plan', () => {
    const rejected = transitionTask(sent, 'rejected', NOW, 'no capacity this week');
    const result = followTaskChange({ previous: sent, task: rejected, plan: sentPlan, serviceRequest: sentReferral, settings, now: NOW, newId });
    const [request] = of(result.update, 'ServiceRequest') as ServiceRequest[];
    expect(request.status).toBe('active');
    expect(request.performer).toBeUndefined();
    const [retry] = of(result.create, 'Task') as Task[];
    expect(retry).toMatchObject({
      status: 'ready',
      owner: DEFAULT_QUEUE,
      focus: { reference: `ServiceRequest/${referral.id}` },
      basedOn: [{ reference: `CarePlan/${plan.carePlan.id}` }],
      restriction: { period: { end: '2026-12-01T23:59:59.999-05:00' } },
    });
    expect(codeOf(retry)).toBe('referral');
    const [updatedPlan] = of(result.update, 'CarePlan') as CarePlan[];
    expect(updatedPlan.status).toBe('active');
    expect(updatedPlan.activity?.at(-1)).toEqual({ reference: { reference: `Task/${retry.id}` } });
    for (const resource of [...result.create, ...result.update]) expect(validationErrors(resource)).toEqual([]);
  });

  it('a completed referral Task completes the ServiceRequest', () => {
    const accepted = transitionTask(sent, 'accepted', NOW);
    const started = transitionTask(accepted, 'in-progress', NOW);
    const done = transitionTask(started, 'completed', NOW);
    const result = followTaskChange({ previous: started, task: done, plan: sentPlan, serviceRequest: sentReferral, settings, now: NOW, newId });
    expect(result.create).toEqual([]);
    expect(result.update.map((r) => [r.resourceType, (r as ServiceRequest).status])).toEqual([['ServiceRequest', 'completed']]);
  });

  it('the last open Task completed completes the plan', () => {
    const others = plan.tasks.filter((t) => t.id !== arrange.id).map((t) => transitionTask(transitionTask(t, t.status === 'draft' ? 'ready' : t.status, NOW), 'completed', NOW));
    const almost: ExistingPlan = { ...plan, tasks: [...others, arrange] };
    const done = transitionTask(arrange, 'completed', NOW);
    const result = followTaskChange({ previous: arrange, task: done, plan: almost, serviceRequest: referral, settings, now: NOW, newId });
    expect(result.update.map((r) => [r.resourceType, (r as CarePlan).status]).sort()).toEqual([
      ['CarePlan', 'completed'],
      ['ServiceRequest', 'completed'],
    ]);
  });

  it('a change that keeps the status decides nothing', () => {
    const voicemail = setBusinessStatus(arrange, businessStatusConcept('left-voicemail'), NOW);
    expect(followTaskChange({ previous: arrange, task: voicemail, plan, serviceRequest: referral, settings, now: NOW, newId })).toEqual({
      create: [],
      update: [],
    });
  });

  it('a Task without a referral only rolls its plan up', () => {
    const contact = plan.tasks.find((t) => codeOf(t) === 'post-discharge-contact') as Task;
    const done = transitionTask(contact, 'completed', NOW);
    expect(followTaskChange({ previous: contact, task: done, plan, settings, now: NOW, newId })).toEqual({ create: [], update: [] });
  });
});
