import type { CarePlan, Task } from '@medplum/fhirtypes';
import { rollUpCarePlan } from './care-plan-rollup';
import { TaskStatus } from './task-status';

const AT = '2026-12-05T09:00:00.000-05:00';

function plan(status: CarePlan['status'], taskIds: string[]): CarePlan {
  return {
    resourceType: 'CarePlan',
    id: 'cp1',
    status,
    intent: 'plan',
    subject: { reference: 'Patient/p1' },
    period: { start: '2026-11-27T15:00:00.000-05:00' },
    activity: taskIds.map((id) => ({ reference: { reference: `Task/${id}` } })),
  };
}

function tasks(...statuses: TaskStatus[]): Task[] {
  return statuses.map((status, index) => ({ resourceType: 'Task', id: `t${index}`, status, intent: 'order' }));
}

describe('rollUpCarePlan', () => {
  it.each<[string, CarePlan['status'], TaskStatus[], CarePlan['status'], boolean]>([
    ['all completed', 'active', ['completed', 'completed'], 'completed', true],
    ['completed and cancelled', 'active', ['completed', 'cancelled', 'failed'], 'completed', true],
    ['one still ready', 'active', ['completed', 'ready'], 'active', false],
    ['a draft reminder still pending', 'active', ['completed', 'draft'], 'active', false],
    ['one on hold', 'active', ['completed', 'on-hold'], 'active', false],
    ['all cancelled', 'active', ['cancelled', 'cancelled'], 'revoked', true],
    ['rejected and failed only', 'active', ['rejected', 'failed'], 'revoked', true],
    ['entered-in-error does not count as done', 'active', ['entered-in-error', 'completed'], 'completed', true],
    ['all entered in error', 'active', ['entered-in-error'], 'revoked', true],
    ['on-hold plan follows too', 'on-hold', ['completed'], 'completed', true],
    ['revoked plan stays revoked', 'revoked', ['completed'], 'revoked', false],
    ['completed plan stays completed', 'completed', ['ready'], 'completed', false],
    ['draft plan does not follow', 'draft', ['completed'], 'draft', false],
  ])('%s: %s + %j → %s', (_case, status, taskStatuses, expected, changed) => {
    const list = tasks(...taskStatuses);
    const result = rollUpCarePlan(plan(status, list.map((t) => t.id as string)), list, AT);
    expect(result.carePlan.status).toBe(expected);
    expect(result.changed).toBe(changed);
    if (changed) expect(result.carePlan.period).toEqual({ start: '2026-11-27T15:00:00.000-05:00', end: AT });
    else expect(result.carePlan.period?.end).toBeUndefined();
  });

  it('leaves a plan without Tasks alone', () => {
    expect(rollUpCarePlan(plan('active', []), [], AT).changed).toBe(false);
  });

  it('does not decide when a referenced Task is missing', () => {
    const list = tasks('completed');
    expect(rollUpCarePlan(plan('active', ['t0', 'missing']), list, AT).changed).toBe(false);
  });

  it('counts Tasks basedOn the plan even when its activity list lags', () => {
    const [done] = tasks('completed');
    const open: Task = { resourceType: 'Task', id: 'extra', status: 'ready', intent: 'order', basedOn: [{ reference: 'CarePlan/cp1' }] };
    expect(rollUpCarePlan(plan('active', ['t0']), [done, open], AT).changed).toBe(false);
    expect(rollUpCarePlan(plan('active', ['t0']), [done, { ...open, status: 'completed' }], AT).carePlan.status).toBe('completed');
  });

  it('ignores Tasks of other plans', () => {
    const [done] = tasks('completed');
    const elsewhere: Task = { resourceType: 'Task', id: 'x', status: 'ready', intent: 'order', basedOn: [{ reference: 'CarePlan/other' }] };
    expect(rollUpCarePlan(plan('active', ['t0']), [done, elsewhere], AT).carePlan.status).toBe('completed');
  });
});
