import type { Task } from '@medplum/fhirtypes';
import { businessStatusConcept } from './business-status';
import { TASK_CODE_SYSTEM } from './task-codes';
import { TaskStatus } from './task-status';
import { isTaskOverdue, priorityOfUrgency, taskDueAt, taskUrgency, taskWorklistEntry } from './worklist-entry';

const BASE = 'https://liaison.example/fhir/R4';

function task(extra: Partial<Task> = {}, status: TaskStatus = 'requested'): Task {
  return {
    resourceType: 'Task',
    id: 't1',
    status,
    intent: 'order',
    code: { coding: [{ system: TASK_CODE_SYSTEM, code: 'post-discharge-contact' }] },
    for: { reference: 'Patient/p1' },
    owner: { reference: 'Practitioner/c1' },
    restriction: { period: { end: '2026-12-01T17:00:00-05:00' } },
    ...extra,
  };
}

describe('taskDueAt', () => {
  it.each<[string, string | undefined, number | undefined]>([
    ['an instant with an offset', '2026-12-01T17:00:00-05:00', Date.parse('2026-12-01T22:00:00Z')],
    ['an instant in UTC with milliseconds', '2026-12-01T22:00:00.250Z', Date.parse('2026-12-01T22:00:00.250Z')],
    ['a date: the last millisecond of that day (UTC)', '2026-12-01', Date.parse('2026-12-02T00:00:00Z') - 1],
    ['a month: its last millisecond', '2026-12', Date.parse('2027-01-01T00:00:00Z') - 1],
    ['not a date', 'tomorrow', undefined],
    ['absent', undefined, undefined],
  ])('%s', (_case, end, expected) => {
    expect(taskDueAt(task({ restriction: end === undefined ? undefined : { period: { end } } }))).toBe(expected);
  });
});

describe('taskUrgency and priorityOfUrgency', () => {
  it.each<[Task['priority'], number]>([
    ['stat', 0],
    ['asap', 1],
    ['urgent', 2],
    ['routine', 3],
    [undefined, 3],
  ])('%s → %i and back', (priority, urgency) => {
    expect(taskUrgency(priority)).toBe(urgency);
    expect(priorityOfUrgency(urgency)).toBe(priority ?? 'routine');
  });
});

describe('isTaskOverdue', () => {
  const due = Date.parse('2026-12-01T22:00:00Z');
  it.each<[string, Task, number, boolean]>([
    ['open, before due', task(), due - 1, false],
    ['open, at due', task(), due, false],
    ['open, past due', task(), due + 1, true],
    ['open, marked overdue by the sweep, before due', task({ businessStatus: businessStatusConcept('overdue') }), due - 1, true],
    ['completed, past due', task({}, 'completed'), due + 1, false],
    ['cancelled and marked', task({ businessStatus: businessStatusConcept('overdue') }, 'cancelled'), due + 1, false],
    ['open, no due date', task({ restriction: undefined }), due + 1, false],
    ['on hold, past due', task({}, 'on-hold'), due + 1, true],
  ])('%s → %s', (_case, t, now, expected) => {
    expect(isTaskOverdue(t, now)).toBe(expected);
  });
});

describe('taskWorklistEntry', () => {
  it('extracts the typed worklist columns of a coordination Task', () => {
    expect(taskWorklistEntry(task({ priority: 'urgent' }), BASE)).toEqual({
      status: 'requested',
      open: true,
      code: 'post-discharge-contact',
      urgency: 2,
      dueAt: Date.parse('2026-12-01T22:00:00Z'),
      owner: 'Practitioner/c1',
      patientId: 'p1',
      overdueMarked: false,
    });
  });

  it.each<[string, Partial<Task>, TaskStatus, Partial<ReturnType<typeof taskWorklistEntry>>]>([
    ['absolute references to our base are local', { owner: { reference: `${BASE}/CareTeam/ct1` }, for: { reference: `${BASE}/Patient/p9` } }, 'ready', { owner: 'CareTeam/ct1', patientId: 'p9' }],
    ['a foreign owner URL is kept whole', { owner: { reference: 'https://other.example/Practitioner/x' } }, 'ready', { owner: 'https://other.example/Practitioner/x' }],
    ['a subject that is not a Patient', { for: { reference: 'Group/g1' } }, 'ready', { patientId: undefined }],
    ['no owner', { owner: undefined }, 'ready', { owner: undefined }],
    ['a code outside the Liaison CodeSystem', { code: { coding: [{ system: 'http://loinc.org', code: '1234-5' }] } }, 'ready', { code: '1234-5' }],
    ['terminal: not open', {}, 'completed', { open: false, status: 'completed' }],
    ['draft counts as open', {}, 'draft', { open: true }],
    ['marked overdue', { businessStatus: businessStatusConcept('overdue') }, 'in-progress', { overdueMarked: true }],
  ])('%s', (_case, extra, status, expected) => {
    expect(taskWorklistEntry(task(extra, status), BASE)).toMatchObject(expected);
  });
});
