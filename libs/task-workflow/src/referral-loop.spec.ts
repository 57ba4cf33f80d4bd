import type { CarePlan, ServiceRequest, Task } from '@medplum/fhirtypes';
import { followFulfillingTask, FulfillmentChange, REFERRAL_RETRY_IDENTIFIER_SYSTEM } from './referral-loop';
import { TASK_CODE_SYSTEM } from './task-codes';
import { TaskStatus } from './task-status';

const AT = '2026-12-01T10:00:00.000-05:00';
const DUE = '2026-12-02T23:59:59.999-05:00';
const QUEUE = { reference: 'HealthcareService/coordinators' };
const AGENCY = { reference: 'Organization/agency-a' };

const request: ServiceRequest = {
  resourceType: 'ServiceRequest',
  id: 'sr1',
  status: 'active',
  intent: 'order',
  priority: 'urgent',
  code: { text: 'Home health care' },
  subject: { reference: 'Patient/p1' },
  encounter: { reference: 'Encounter/e1' },
  performer: [AGENCY],
};

const plan: CarePlan = {
  resourceType: 'CarePlan',
  id: 'cp1',
  status: 'active',
  intent: 'plan',
  subject: { reference: 'Patient/p1' },
  activity: [{ reference: { reference: 'Task/t1' } }],
};

function referralTask(status: TaskStatus, extra: Partial<Task> = {}): Task {
  return {
    resourceType: 'Task',
    id: 't1',
    status,
    intent: 'order',
    focus: { reference: 'ServiceRequest/sr1' },
    for: { reference: 'Patient/p1' },
    encounter: { reference: 'Encounter/e1' },
    basedOn: [{ reference: 'CarePlan/cp1' }],
    owner: AGENCY,
    ...extra,
  };
}

function change(task: Task, extra: Partial<FulfillmentChange> = {}): FulfillmentChange {
  return {
    serviceRequest: request,
    task,
    otherTasks: [],
    carePlan: plan,
    at: AT,
    reopenOwner: QUEUE,
    reopenDue: DUE,
    newId: (key) => `id:${key}`,
    ...extra,
  };
}

describe('followFulfillingTask (closed-loop referral)', () => {
  it('completes the ServiceRequest when its Task completes', () => {
    const outcome = followFulfillingTask(change(referralTask('completed')));
    expect(outcome.serviceRequest?.status).toBe('completed');
    expect(outcome.createTasks).toEqual([]);
    expect(outcome.carePlan).toBeUndefined();
  });

  it.each<TaskStatus>(['rejected', 'failed'])('re-opens the referral when the performer %s it', (status) => {
    const outcome = followFulfillingTask(change(referralTask(status, { statusReason: { text: 'no capacity' } })));
    expect(outcome.serviceRequest).toMatchObject({ status: 'active' });
    expect(outcome.serviceRequest?.performer).toBeUndefined();
    expect(outcome.createTasks).toHaveLength(1);
    const [retry] = outcome.createTasks;
    expect(retry).toMatchObject({
      resourceType: 'Task',
      id: `id:${REFERRAL_RETRY_IDENTIFIER_SYSTEM}|Task/t1`,
      identifier: [{ system: REFERRAL_RETRY_IDENTIFIER_SYSTEM, value: 'Task/t1' }],
      status: 'ready',
      intent: 'order',
      priority: 'urgent',
      focus: { reference: 'ServiceRequest/sr1' },
      for: { reference: 'Patient/p1' },
      encounter: { reference: 'Encounter/e1' },
      basedOn: [{ reference: 'CarePlan/cp1' }],
      owner: QUEUE,
      authoredOn: AT,
    });
    expect(retry.code?.coding?.[0]).toMatchObject({ system: TASK_CODE_SYSTEM, code: 'referral' });
    expect(retry.restriction).toEqual({ period: { end: DUE } });
    expect(retry.meta?.profile).toEqual(['http://liaison.health/fhir/StructureDefinition/liaison-task']);
    expect(outcome.carePlan?.activity?.map((a) => a.reference?.reference)).toEqual(['Task/t1', `Task/${retry.id}`]);
  });

  it('returns a held ServiceRequest to active and keeps other performers', () => {
    const held = { ...request, status: 'on-hold' as const, performer: [AGENCY, { reference: 'Organization/agency-b' }] };
    const outcome = followFulfillingTask(change(referralTask('rejected'), { serviceRequest: held }));
    expect(outcome.serviceRequest?.status).toBe('active');
    expect(outcome.serviceRequest?.performer).toEqual([{ reference: 'Organization/agency-b' }]);
  });

  it('does not open a second retry (idempotent)', () => {
    const first = followFulfillingTask(change(referralTask('rejected')));
    const again = followFulfillingTask(
      change(referralTask('rejected'), { serviceRequest: first.serviceRequest, otherTasks: first.createTasks }),
    );
    expect(again.createTasks).toEqual([]);
    expect(again.serviceRequest).toBeUndefined();
  });

  it('opens no retry while other work on the request is open', () => {
    const other: Task = { ...referralTask('requested'), id: 't2', owner: { reference: 'Organization/agency-b' } };
    const outcome = followFulfillingTask(change(referralTask('rejected'), { otherTasks: [other] }));
    expect(outcome.createTasks).toEqual([]);
    expect(outcome.serviceRequest?.performer).toBeUndefined();
  });

  it('revokes the request when its only Task is cancelled', () => {
    expect(followFulfillingTask(change(referralTask('cancelled'))).serviceRequest?.status).toBe('revoked');
    const other: Task = { ...referralTask('ready'), id: 't2' };
    expect(followFulfillingTask(change(referralTask('cancelled'), { otherTasks: [other] })).serviceRequest).toBeUndefined();
  });

  it.each<TaskStatus>(['accepted', 'in-progress', 'ready', 'entered-in-error'])('changes nothing when the Task is %s', (status) => {
    expect(followFulfillingTask(change(referralTask(status)))).toEqual({ createTasks: [] });
  });

  it.each<ServiceRequest['status']>(['completed', 'revoked', 'entered-in-error'])('leaves a %s request alone', (status) => {
    expect(followFulfillingTask(change(referralTask('rejected'), { serviceRequest: { ...request, status } }))).toEqual({
      createTasks: [],
    });
  });

  it('ignores a Task focused on something else', () => {
    const unrelated = referralTask('completed', { focus: { reference: 'ServiceRequest/other' } });
    expect(followFulfillingTask(change(unrelated))).toEqual({ createTasks: [] });
  });
});
