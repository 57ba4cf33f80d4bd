import { OperationOutcomeError } from '@medplum/core';
import type { OperationOutcome, Task } from '@medplum/fhirtypes';
import { businessStatusConcept } from './business-status';
import { TASK_STATUSES, TaskStatus } from './task-status';
import { assertTaskUpdate, checkTaskCreate, checkTaskUpdate, setBusinessStatus, transitionTask } from './transitions';
import { WORKFLOW_ERROR_SYSTEM } from './workflow-errors';

const AT = '2026-11-30T10:00:00.000-05:00';

function task(status: TaskStatus, extra: Partial<Task> = {}): Task {
  return {
    resourceType: 'Task',
    id: 't1',
    status,
    intent: 'order',
    for: { reference: 'Patient/p1' },
    owner: { reference: 'Practitioner/c1' },
    priority: 'routine',
    ...extra,
  };
}

function issueOf(outcome: OperationOutcome | undefined): { code?: string; key?: string; expression?: string } {
  const issue = outcome?.issue?.[0];
  return {
    code: issue?.code,
    key: issue?.details?.coding?.find((c) => c.system === WORKFLOW_ERROR_SYSTEM)?.code,
    expression: issue?.expression?.[0],
  };
}

/**
 * The expected machine, written out independently of ALLOWED_TRANSITIONS: row = from, column =
 * to, in TASK_STATUSES order; `x` allowed, `.` refused, `=` same status (not a transition).
 */
const COLUMNS = ['draft', 'requested', 'received', 'accepted', 'rejected', 'ready', 'cancelled', 'in-progress', 'on-hold', 'failed', 'completed', 'entered-in-error'];
const MATRIX: Record<string, string> = {
  //                  dr rq rc ac rj rd ca ip oh fa co ee
  draft:             '=  x  .  .  .  x  x  .  .  .  .  x',
  requested:         '.  =  x  x  x  x  x  .  .  .  .  x',
  received:          '.  .  =  x  x  .  x  .  .  .  .  x',
  accepted:          '.  .  .  =  .  x  x  x  .  .  .  x',
  rejected:          '.  .  .  .  =  .  .  .  .  .  .  x',
  ready:             '.  .  .  .  .  =  x  x  .  x  x  x',
  cancelled:         '.  .  .  .  .  .  =  .  .  .  .  x',
  'in-progress':     '.  .  .  .  .  .  x  =  x  x  x  x',
  'on-hold':         '.  .  .  .  .  .  x  x  =  x  .  x',
  failed:            '.  .  .  .  .  .  .  .  .  =  .  x',
  completed:         '.  .  .  .  .  .  .  .  .  .  =  x',
  'entered-in-error':'.  .  .  .  .  .  .  .  .  .  .  =',
};

const cases: [TaskStatus, TaskStatus, 'allowed' | 'refused' | 'same'][] = [];
for (const [from, row] of Object.entries(MATRIX)) {
  row.split(/\s+/).forEach((mark, index) => {
    cases.push([from as TaskStatus, COLUMNS[index] as TaskStatus, mark === 'x' ? 'allowed' : mark === '=' ? 'same' : 'refused']);
  });
}

describe('the Task state machine, every pair of the 12 statuses', () => {
  it('covers every status as row and column', () => {
    expect([...COLUMNS].sort()).toEqual([...TASK_STATUSES].sort());
    expect(Object.keys(MATRIX).sort()).toEqual([...TASK_STATUSES].sort());
    expect(cases).toHaveLength(144);
  });

  it.each(cases)('%s → %s: %s', (from, to, expected) => {
    const previous = task(from);
    const next = task(to, { statusReason: { text: 'a reason' } });
    const outcome = checkTaskUpdate(previous, from === to ? previous : next);
    if (expected === 'refused') {
      expect(issueOf(outcome)).toEqual({ code: 'conflict', key: 'transition-not-allowed', expression: 'Task.status' });
    } else {
      expect(outcome).toBeUndefined();
    }
  });
});

describe('statusReason', () => {
  it.each<[TaskStatus, TaskStatus]>([
    ['ready', 'cancelled'],
    ['requested', 'rejected'],
    ['in-progress', 'failed'],
    ['on-hold', 'cancelled'],
  ])('%s → %s needs a reason', (from, to) => {
    expect(issueOf(checkTaskUpdate(task(from), task(to)))).toEqual({
      code: 'business-rule',
      key: 'status-reason-required',
      expression: 'Task.statusReason',
    });
    expect(issueOf(checkTaskUpdate(task(from), task(to, { statusReason: { text: '   ' } }))).code).toBe('business-rule');
    expect(checkTaskUpdate(task(from), task(to, { statusReason: { text: 'patient declined' } }))).toBeUndefined();
    expect(
      checkTaskUpdate(task(from), task(to, { statusReason: { coding: [{ system: 'http://x', code: 'declined' }] } })),
    ).toBeUndefined();
  });

  it.each<[TaskStatus, TaskStatus]>([
    ['ready', 'completed'],
    ['ready', 'in-progress'],
    ['in-progress', 'on-hold'],
    ['completed', 'entered-in-error'],
  ])('%s → %s needs none', (from, to) => {
    expect(checkTaskUpdate(task(from), task(to))).toBeUndefined();
  });
});

describe('changes without a status change', () => {
  it.each<[string, TaskStatus, Partial<Task>, string | undefined]>([
    ['businessStatus on a ready Task', 'ready', { businessStatus: businessStatusConcept('left-voicemail') }, undefined],
    ['owner on an in-progress Task', 'in-progress', { owner: { reference: 'Practitioner/c2' } }, undefined],
    ['priority on an on-hold Task', 'on-hold', { priority: 'urgent' }, undefined],
    ['businessStatus on a completed Task', 'completed', { businessStatus: businessStatusConcept('overdue') }, 'Task.businessStatus'],
    ['owner on a cancelled Task', 'cancelled', { owner: { reference: 'Practitioner/c2' } }, 'Task.owner'],
    ['priority on a failed Task', 'failed', { priority: 'stat' }, 'Task.priority'],
    ['restriction on a rejected Task', 'rejected', { restriction: { period: { end: AT } } }, 'Task.restriction'],
    ['statusReason on a completed Task', 'completed', { statusReason: { text: 'changed my mind' } }, 'Task.statusReason'],
    ['a note on a completed Task', 'completed', { note: [{ text: 'patient thanked us' }] }, undefined],
    ['the subject of a completed Task (merge)', 'completed', { for: { reference: 'Patient/p2' } }, undefined],
    ['lastModified and meta of a completed Task', 'completed', { lastModified: AT, meta: { versionId: '3' } }, undefined],
    ['anything on an entered-in-error Task', 'entered-in-error', { description: 'edited' }, 'Task.description'],
  ])('%s', (_case, status, change, frozen) => {
    const outcome = checkTaskUpdate(task(status), { ...task(status), ...change });
    if (frozen) {
      expect(issueOf(outcome)).toEqual({ code: 'conflict', key: 'terminal-task-frozen', expression: frozen });
    } else {
      expect(outcome).toBeUndefined();
    }
  });

  it('ignores key order and absent-versus-empty arrays', () => {
    const previous = task('completed', { note: [], input: undefined });
    const next = { ...task('completed'), owner: { reference: 'Practitioner/c1' } };
    expect(checkTaskUpdate(previous, next)).toBeUndefined();
  });

  it('lets a terminal Task become entered-in-error with a reason, but nothing else with it', () => {
    const done = task('completed');
    expect(checkTaskUpdate(done, task('entered-in-error', { statusReason: { text: 'wrong patient' } }))).toBeUndefined();
    expect(issueOf(checkTaskUpdate(done, task('entered-in-error', { priority: 'stat' }))).expression).toBe('Task.priority');
  });

  it('refuses an unknown status code', () => {
    expect(issueOf(checkTaskUpdate(task('ready'), { ...task('ready'), status: 'done' as TaskStatus }))).toEqual({
      code: 'value',
      key: 'unknown-status',
      expression: 'Task.status',
    });
  });
});

describe('checkTaskCreate', () => {
  it.each<[string, Task, string | undefined]>([
    ['ready', task('ready'), undefined],
    ['draft', task('draft'), undefined],
    ['completed (recording past work)', task('completed'), undefined],
    ['cancelled without a reason', task('cancelled'), 'business-rule'],
    ['cancelled with a reason', task('cancelled', { statusReason: { text: 'duplicate' } }), undefined],
    ['entered-in-error', task('entered-in-error'), 'business-rule'],
    ['unknown status', { ...task('ready'), status: 'todo' as TaskStatus }, 'value'],
  ])('%s', (_case, input, code) => {
    expect(issueOf(checkTaskCreate(input)).code).toBe(code);
  });
});

describe('transitionTask', () => {
  it('moves status, stamps lastModified and starts execution', () => {
    const started = transitionTask(task('ready'), 'in-progress', AT);
    expect(started).toMatchObject({ status: 'in-progress', lastModified: AT, executionPeriod: { start: AT } });
    const later = '2026-11-30T11:00:00.000-05:00';
    const done = transitionTask(started, 'completed', later);
    expect(done.executionPeriod).toEqual({ start: AT, end: later });
  });

  it('records a reason and drops a stale one', () => {
    const held = transitionTask(task('in-progress'), 'on-hold', AT, 'waiting for the pharmacy');
    expect(held.statusReason).toEqual({ text: 'waiting for the pharmacy' });
    const resumed = transitionTask(held, 'in-progress', AT);
    expect(resumed.statusReason).toBeUndefined();
    const cancelled = transitionTask(task('ready'), 'cancelled', AT, { coding: [{ system: 'http://x', code: 'dup' }] });
    expect(cancelled.statusReason).toEqual({ coding: [{ system: 'http://x', code: 'dup' }] });
  });

  it('throws an OperationOutcomeError for a forbidden transition and leaves the input alone', () => {
    const done = task('completed');
    let thrown: unknown;
    try {
      transitionTask(done, 'in-progress', AT);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(OperationOutcomeError);
    expect(issueOf((thrown as OperationOutcomeError).outcome)).toEqual({
      code: 'conflict',
      key: 'transition-not-allowed',
      expression: 'Task.status',
    });
    expect(done.status).toBe('completed');
  });

  it('throws when a reason is needed and missing', () => {
    expect(() => transitionTask(task('ready'), 'cancelled', AT)).toThrow('needs a statusReason');
  });
});

describe('setBusinessStatus', () => {
  it('sets a step without changing the status', () => {
    const next = setBusinessStatus(task('ready'), businessStatusConcept('left-voicemail'), AT);
    expect(next.status).toBe('ready');
    expect(next.businessStatus?.coding?.[0].code).toBe('left-voicemail');
    expect(next.lastModified).toBe(AT);
  });

  it('is refused on a terminal Task', () => {
    expect(() => setBusinessStatus(task('completed'), businessStatusConcept('overdue'), AT)).toThrow(OperationOutcomeError);
  });

  it('assertTaskUpdate passes an allowed change', () => {
    expect(() => assertTaskUpdate(task('ready'), task('in-progress'))).not.toThrow();
  });
});
