import { transitionTask } from '@liaison/task-workflow';
import type { CarePlan, Task } from '@medplum/fhirtypes';
import { applyProtocols } from './apply-protocols';
import { ESCALATION_IDENTIFIER_SYSTEM } from './protocol-model';
import { nextSweepAt, sweepTasks } from './task-sweep';
import { context, materialize, newId, PROTOCOLS, settings, SUPERVISORS, validationErrors } from './testing/fixtures';

const TASK_CODE = 'http://liaison.health/fhir/CodeSystem/task-code';
const codeOf = (task: Task): string | undefined => task.code?.coding?.find((c) => c.system === TASK_CODE)?.code;

const [plan] = materialize(
  applyProtocols({
    protocols: PROTOCOLS,
    context: context('encounter.discharged', '2026-11-27T15:00:00-05:00'),
    plans: [],
    settings,
    now: '2026-11-27T15:00:05.000-05:00',
    newId,
  }),
);
const byCode = (code: string): Task => plan.tasks.find((t) => codeOf(t) === code) as Task;
const contact = byCode('post-discharge-contact');
const reminder = byCode('check-up-reminder');

function sweep(tasks: readonly Task[], now: string, carePlans: readonly CarePlan[] = [plan.carePlan]) {
  return sweepTasks({ tasks, carePlans, settings, now, newId });
}

describe('overdue Tasks', () => {
  it('are not overdue at their due instant', () => {
    expect(sweep([contact], '2026-12-01T23:59:59.999-05:00')).toEqual({ create: [], update: [], becameReady: [], becameOverdue: [] });
  });

  describe('the morning after the due day', () => {
    const NOW = '2026-12-02T08:00:00.000-05:00';
    const result = sweep(plan.tasks, NOW);
    const marked = result.update.find((r) => r.id === contact.id) as Task;
    const escalation = result.create[0] as Task;

    it('marks the Task overdue and raises its priority one step', () => {
      expect(result.becameOverdue).toEqual([contact.id]);
      expect(marked).toMatchObject({
        status: 'ready',
        priority: 'asap',
        lastModified: NOW,
        businessStatus: { coding: [{ system: 'http://liaison.health/fhir/CodeSystem/task-business-status', code: 'overdue' }] },
      });
    });

    it('opens one escalation Task for the supervisors, due the next business day', () => {
      expect(result.create).toHaveLength(1);
      expect(escalation).toMatchObject({
        resourceType: 'Task',
        id: newId(`${ESCALATION_IDENTIFIER_SYSTEM}|Task/${contact.id}`),
        identifier: [{ system: ESCALATION_IDENTIFIER_SYSTEM, value: `Task/${contact.id}` }],
        status: 'ready',
        priority: 'asap',
        focus: { reference: `Task/${contact.id}` },
        for: { reference: 'Patient/pat-1' },
        basedOn: [{ reference: `CarePlan/${plan.carePlan.id}` }],
        owner: SUPERVISORS,
        restriction: { period: { end: '2026-12-03T23:59:59.999-05:00' } },
      });
      expect(codeOf(escalation)).toBe('escalation');
    });

    it('adds the escalation to the plan', () => {
      const updatedPlan = result.update.find((r) => r.resourceType === 'CarePlan') as CarePlan;
      expect(updatedPlan.activity?.at(-1)).toEqual({ reference: { reference: `Task/${escalation.id}` } });
      expect(updatedPlan.activity).toHaveLength((plan.carePlan.activity?.length ?? 0) + 1);
    });

    it('writes valid resources', () => {
      for (const resource of [...result.create, ...result.update]) expect(validationErrors(resource)).toEqual([]);
    });

    it('decides nothing new on the next sweep', () => {
      const tasks = plan.tasks.map((t) => (t.id === marked.id ? marked : t)).concat(escalation);
      expect(sweep(tasks, '2026-12-02T09:00:00.000-05:00')).toEqual({ create: [], update: [], becameReady: [], becameOverdue: [] });
    });

    it('an overdue escalation is marked but not escalated again', () => {
      const later = sweep([escalation], '2026-12-04T08:00:00.000-05:00');
      expect(later.create).toEqual([]);
      expect(later.becameOverdue).toEqual([escalation.id]);
      expect((later.update[0] as Task).priority).toBe('asap');
    });
  });

  it('stat stays stat', () => {
    const result = sweep([{ ...contact, priority: 'stat' }], '2026-12-02T08:00:00.000-05:00');
    expect((result.update.find((r) => r.id === contact.id) as Task).priority).toBe('stat');
  });

  it('ignores finished work', () => {
    const done = transitionTask(contact, 'completed', '2026-11-30T10:00:00.000-05:00');
    const cancelled = transitionTask(byCode('follow-up-appointment'), 'cancelled', '2026-11-30T10:00:00.000-05:00', 'patient declined');
    expect(sweep([done, cancelled], '2027-02-01T08:00:00.000-05:00').update).toEqual([]);
  });

  it('works without the plans (no activity update)', () => {
    const result = sweep([contact], '2026-12-02T08:00:00.000-05:00', []);
    expect(result.update.map((r) => r.resourceType)).toEqual(['Task']);
    expect(result.create).toHaveLength(1);
  });
});

describe('scheduled reminders', () => {
  it('stay drafts until their day', () => {
    expect(sweep([reminder], '2026-12-26T23:59:59.999-05:00').update).toEqual([]);
  });

  it('become ready on their day', () => {
    const result = sweep([reminder], '2026-12-27T00:00:00.000-05:00');
    expect(result.becameReady).toEqual([reminder.id]);
    expect(result.update).toEqual([{ ...reminder, status: 'ready', lastModified: '2026-12-27T00:00:00.000-05:00' }]);
    expect(result.create).toEqual([]);
  });

  it('a reminder swept after its due time becomes ready and overdue at once', () => {
    const result = sweep([reminder], '2027-01-04T08:00:00.000-05:00');
    expect(result.becameReady).toEqual([reminder.id]);
    expect(result.becameOverdue).toEqual([reminder.id]);
    expect(result.update.find((r) => r.id === reminder.id)).toMatchObject({ status: 'ready', priority: 'urgent' });
    expect(result.create).toHaveLength(1);
  });

  it('an open draft without a start is left alone', () => {
    const { restriction: _r, ...rest } = reminder;
    expect(sweep([{ ...rest, restriction: { period: { end: reminder.restriction?.period?.end } } }], '2027-02-01T08:00:00.000-05:00').update).toEqual([]);
  });
});

describe('nextSweepAt (what a schedule index keeps)', () => {
  const overdue = sweep([contact], '2026-12-02T08:00:00.000-05:00').update.find((r) => r.id === contact.id) as Task;
  const cases: [string, Task, string | undefined][] = [
    ['a ready Task: its due time', contact, '2026-12-01T23:59:59.999-05:00'],
    ['a draft reminder: when it becomes ready', reminder, reminder.restriction?.period?.start],
    ['an overdue Task: nothing ahead', overdue, undefined],
    ['a completed Task: nothing ahead', transitionTask(contact, 'completed', '2026-11-30T10:00:00-05:00'), undefined],
    ['a cancelled draft: nothing ahead', transitionTask(reminder, 'cancelled', '2026-11-30T10:00:00-05:00', 'No longer needed'), undefined],
    ['an open Task without a due time: nothing ahead', { ...contact, restriction: undefined }, undefined],
    ['a draft without a start: nothing ahead', { ...reminder, restriction: { period: { end: '2027-01-03T23:59:59.999-05:00' } } }, undefined],
    ['an in-progress Task: its due time', { ...contact, status: 'in-progress' }, '2026-12-01T23:59:59.999-05:00'],
  ];
  it.each(cases)('%s', (_name, task, expected) => {
    expect(nextSweepAt(task)).toBe(expected);
  });

  it('agrees with sweepTasks: nothing is decided for a Task before its wake time, something right after', () => {
    for (const task of [contact, reminder]) {
      const wake = nextSweepAt(task) as string;
      const before = new Date(Date.parse(wake) - 1).toISOString();
      const after = new Date(Date.parse(wake) + 1).toISOString();
      expect(sweep([task], before).update).toEqual([]);
      expect(sweep([task], after).update.filter((r) => r.resourceType === 'Task').map((r) => r.id)).toEqual([task.id]);
    }
  });
});
