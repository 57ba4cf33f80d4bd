import { OperationOutcomeError } from '@medplum/core';
import type { Task } from '@medplum/fhirtypes';
import { BUSINESS_STATUS_SYSTEM, businessStatusConcept } from './business-status';
import { addTaskNote, assignTask, parseOwnerReference, rescheduleTask } from './task-actions';
import { TaskStatus } from './task-status';

const AT = '2026-12-01T10:00:00.000-05:00';

function task(status: TaskStatus = 'ready', extra: Partial<Task> = {}): Task {
  return {
    resourceType: 'Task',
    id: 't1',
    status,
    intent: 'order',
    for: { reference: 'Patient/p1' },
    owner: { reference: 'Practitioner/c1' },
    restriction: { period: { end: '2026-12-01T17:00:00-05:00' } },
    ...extra,
  };
}

function refusal(action: () => unknown): { code?: string; expression?: string } {
  try {
    action();
  } catch (error) {
    if (!(error instanceof OperationOutcomeError)) throw error;
    const issue = error.outcome.issue?.[0];
    return { code: issue?.code, expression: issue?.expression?.[0] };
  }
  throw new Error('expected a refusal');
}

describe('parseOwnerReference', () => {
  it.each<[string, { type: string; id: string } | 'refused']>([
    ['Practitioner/123', { type: 'Practitioner', id: '123' }],
    [' CareTeam/team-a ', { type: 'CareTeam', id: 'team-a' }],
    ['Organization/coordinators', { type: 'Organization', id: 'coordinators' }],
    ['Observation/1', 'refused'],
    ['Practitioner', 'refused'],
    ['https://elsewhere.example/Practitioner/1', 'refused'],
    ['Practitioner/a b', 'refused'],
    ['', 'refused'],
  ])('%j', (owner, expected) => {
    if (expected === 'refused') expect(refusal(() => parseOwnerReference(owner))).toEqual({ code: 'invalid', expression: 'Task.owner' });
    else expect(parseOwnerReference(owner)).toEqual(expected);
  });
});

describe('assignTask', () => {
  it('sets the owner and lastModified', () => {
    const next = assignTask(task(), 'CareTeam/ct1', AT);
    expect(next.owner).toEqual({ reference: 'CareTeam/ct1' });
    expect(next.lastModified).toBe(AT);
    expect(next.status).toBe('ready');
  });

  it.each<TaskStatus>(['completed', 'cancelled', 'failed', 'rejected'])('is refused on a %s Task (conflict on Task.owner)', (status) => {
    expect(refusal(() => assignTask(task(status), 'Practitioner/c2', AT))).toEqual({ code: 'conflict', expression: 'Task.owner' });
  });
});

describe('addTaskNote', () => {
  it.each<TaskStatus>(['ready', 'completed', 'cancelled'])('appends a note to a %s Task', (status) => {
    const first = addTaskNote(task(status), '  Left a voicemail ', AT, 'client-1');
    const second = addTaskNote(first, 'Called back', AT);
    expect(second.note).toEqual([
      { text: 'Left a voicemail', time: AT, authorString: 'client-1' },
      { text: 'Called back', time: AT },
    ]);
  });

  it('refuses an empty note', () => {
    expect(refusal(() => addTaskNote(task(), '   ', AT))).toEqual({ code: 'invalid', expression: 'Task.note.text' });
  });
});

describe('rescheduleTask', () => {
  const overdue = businessStatusConcept('overdue');

  it.each<[string, Task, string, Task['businessStatus'] | 'absent']>([
    ['moves the due time', task(), '2026-12-03T17:00:00-05:00', 'absent'],
    ['a due time ahead of now clears overdue', task('in-progress', { businessStatus: overdue }), '2026-12-03T17:00:00-05:00', 'absent'],
    ['a due time already past keeps overdue', task('in-progress', { businessStatus: overdue }), '2026-11-30T17:00:00-05:00', overdue],
    [
      'other business statuses stay',
      task('in-progress', { businessStatus: { coding: [...overdue.coding!, { system: BUSINESS_STATUS_SYSTEM, code: 'left-voicemail' }] } }),
      '2026-12-03T17:00:00-05:00',
      { coding: [{ system: BUSINESS_STATUS_SYSTEM, code: 'left-voicemail' }] },
    ],
  ])('%s', (_case, before, due, businessStatus) => {
    const next = rescheduleTask(before, due, AT);
    expect(next.restriction?.period?.end).toBe(due);
    expect(next.lastModified).toBe(AT);
    if (businessStatus === 'absent') expect(next.businessStatus).toBeUndefined();
    else expect(next.businessStatus).toEqual(businessStatus);
  });

  it.each<[string, Task, string, { code: string; expression: string }]>([
    ['a date without a time', task(), '2026-12-03', { code: 'invalid', expression: 'Task.restriction.period.end' }],
    ['a time without a zone', task(), '2026-12-03T17:00:00', { code: 'invalid', expression: 'Task.restriction.period.end' }],
    ['not a date', task(), 'soon', { code: 'invalid', expression: 'Task.restriction.period.end' }],
    [
      'before the start',
      task('ready', { restriction: { period: { start: '2026-12-02T09:00:00-05:00', end: '2026-12-04T17:00:00-05:00' } } }),
      '2026-12-01T17:00:00-05:00',
      { code: 'invalid', expression: 'Task.restriction.period.end' },
    ],
    ['a completed Task', task('completed'), '2026-12-03T17:00:00-05:00', { code: 'conflict', expression: 'Task.restriction' }],
  ])('refuses %s', (_case, before, due, expected) => {
    expect(refusal(() => rescheduleTask(before, due, AT))).toEqual(expected);
  });
});
