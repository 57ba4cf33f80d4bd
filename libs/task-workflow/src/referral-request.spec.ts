import { OperationOutcomeError } from '@medplum/core';
import type { CarePlan, ServiceRequest, Task } from '@medplum/fhirtypes';
import { LIAISON_SERVICEREQUEST_PROFILE, LIAISON_TASK_PROFILE } from './profiles';
import { REFERRAL_RETRY_IDENTIFIER_SYSTEM } from './referral-loop';
import { newReferral, ReferralInput, ReferralState, referralState } from './referral-request';
import { TASK_CODE_SYSTEM } from './task-codes';
import { TaskStatus } from './task-status';

const AT = '2026-12-01T10:00:00.000-05:00';
const IDS = { serviceRequest: 'sr1', task: 't1' };
const INPUT: ReferralInput = {
  patientId: 'p1',
  code: { text: 'Home health care' },
  performer: 'Organization/agency-a',
  due: '2026-12-03T17:00:00-05:00',
};

describe('newReferral', () => {
  it('makes an active ServiceRequest and a requested Task owned by the performer, focused on it', () => {
    const { serviceRequest, task, carePlan } = newReferral({ ...INPUT, priority: 'urgent', note: 'Wound care', requester: 'app-1' }, IDS, AT);
    expect(serviceRequest).toEqual({
      resourceType: 'ServiceRequest',
      id: 'sr1',
      meta: { profile: [LIAISON_SERVICEREQUEST_PROFILE] },
      status: 'active',
      intent: 'order',
      priority: 'urgent',
      code: { text: 'Home health care' },
      subject: { reference: 'Patient/p1' },
      authoredOn: AT,
      requester: { display: 'app-1' },
      performer: [{ reference: 'Organization/agency-a' }],
      note: [{ text: 'Wound care', time: AT }],
    });
    expect(task).toMatchObject({
      resourceType: 'Task',
      id: 't1',
      meta: { profile: [LIAISON_TASK_PROFILE] },
      status: 'requested',
      intent: 'order',
      priority: 'urgent',
      code: { coding: [{ system: TASK_CODE_SYSTEM, code: 'referral' }] },
      focus: { reference: 'ServiceRequest/sr1' },
      for: { reference: 'Patient/p1' },
      owner: { reference: 'Organization/agency-a' },
      restriction: { period: { end: INPUT.due } },
    });
    expect(task.basedOn).toBeUndefined();
    expect(carePlan).toBeUndefined();
  });

  it('joins a plan: basedOn it, and the Task added to its activities', () => {
    const plan: CarePlan = { resourceType: 'CarePlan', id: 'cp1', status: 'active', intent: 'plan', subject: { reference: 'Patient/p1' }, activity: [{ reference: { reference: 'Task/t0' } }] };
    const result = newReferral({ ...INPUT, carePlan: plan, encounterId: 'e1' }, IDS, AT);
    expect(result.task.basedOn).toEqual([{ reference: 'CarePlan/cp1' }]);
    expect(result.serviceRequest.basedOn).toEqual([{ reference: 'CarePlan/cp1' }]);
    expect(result.task.encounter).toEqual({ reference: 'Encounter/e1' });
    expect(result.carePlan?.activity).toEqual([{ reference: { reference: 'Task/t0' } }, { reference: { reference: 'Task/t1' } }]);
  });

  it.each<[string, Partial<ReferralInput>, string]>([
    ['a performer that cannot perform', { performer: 'Observation/1' }, 'ServiceRequest.performer'],
    ['a due date without a time', { due: '2026-12-03' }, 'Task.restriction.period.end'],
    ['nothing requested', { code: { coding: [{ system: 'http://snomed.info/sct' }] } }, 'ServiceRequest.code'],
  ])('refuses %s', (_case, change, expression) => {
    try {
      newReferral({ ...INPUT, ...change }, IDS, AT);
      throw new Error('expected a refusal');
    } catch (error) {
      expect(error).toBeInstanceOf(OperationOutcomeError);
      expect((error as OperationOutcomeError).outcome.issue?.[0]).toMatchObject({ code: 'invalid', expression: [expression] });
    }
  });
});

describe('referralState', () => {
  const request = (status: ServiceRequest['status']): ServiceRequest => ({ resourceType: 'ServiceRequest', id: 'sr1', status, intent: 'order', subject: { reference: 'Patient/p1' } });
  const task = (status: TaskStatus, lastModified: string, extra: Partial<Task> = {}): Task => ({
    resourceType: 'Task',
    id: `t-${status}-${lastModified}`,
    status,
    intent: 'order',
    focus: { reference: 'ServiceRequest/sr1' },
    lastModified,
    ...extra,
  });
  const retry = { identifier: [{ system: REFERRAL_RETRY_IDENTIFIER_SYSTEM, value: 'Task/t0' }] };

  it.each<[string, ServiceRequest['status'], Task[], ReferralState]>([
    ['no Task yet, active', 'active', [], 'sent'],
    ['no Task yet, draft', 'draft', [], 'draft'],
    ['Task requested', 'active', [task('requested', '2026-12-01T10:00:00Z')], 'sent'],
    ['Task accepted', 'active', [task('accepted', '2026-12-01T10:00:00Z')], 'accepted'],
    ['Task in progress', 'active', [task('in-progress', '2026-12-01T10:00:00Z')], 'in-progress'],
    ['Task rejected', 'active', [task('rejected', '2026-12-01T10:00:00Z')], 'declined'],
    [
      'rejected, then "find another performer" opened',
      'active',
      [task('rejected', '2026-12-01T10:00:00Z'), task('ready', '2026-12-01T10:00:01Z', retry)],
      'declined',
    ],
    [
      'rejected, then sent to another performer (the newest Task decides, whatever its offset)',
      'active',
      [task('rejected', '2026-12-01T10:00:00Z'), task('requested', '2026-12-01T06:00:01-04:00')],
      'sent',
    ],
    ['a Task entered in error does not count', 'active', [task('entered-in-error', '2026-12-02T10:00:00Z')], 'sent'],
    ['request completed', 'completed', [task('in-progress', '2026-12-01T10:00:00Z')], 'completed'],
    ['request revoked', 'revoked', [task('requested', '2026-12-01T10:00:00Z')], 'revoked'],
    ['a Task for another request does not count', 'active', [task('completed', '2026-12-01T10:00:00Z', { focus: { reference: 'ServiceRequest/other' } })], 'sent'],
  ])('%s → %s', (_case, status, tasks, expected) => {
    expect(referralState(request(status), tasks)).toBe(expected);
  });
});
