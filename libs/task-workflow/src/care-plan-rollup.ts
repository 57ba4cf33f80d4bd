import type { CarePlan, Task } from '@medplum/fhirtypes';
import { isTerminalStatus } from './task-status';

export interface CarePlanRollUp {
  readonly carePlan: CarePlan;
  readonly changed: boolean;
}

const FOLLOWS_TASKS: ReadonlySet<CarePlan['status']> = new Set<CarePlan['status']>(['active', 'on-hold']);

/**
 * A CarePlan follows its Tasks. Its Tasks are those its activities reference and those
 * `basedOn` it; Tasks entered in error do not count. When every one is terminal the plan is
 * over: `completed` if any was completed, `revoked` if none was (all cancelled, rejected or
 * failed, or all entered in error), with `period.end` = `at`. Only `active` and `on-hold`
 * plans follow; a plan with no Tasks, or whose activity references a Task missing from
 * `tasks`, is left as it is (nothing to decide on, or not enough known).
 */
export function rollUpCarePlan(carePlan: CarePlan, tasks: readonly Task[], at: string): CarePlanRollUp {
  const unchanged = { carePlan, changed: false };
  if (!FOLLOWS_TASKS.has(carePlan.status)) return unchanged;
  const planRef = `CarePlan/${carePlan.id}`;
  const referenced = new Set(
    (carePlan.activity ?? []).map((activity) => activity.reference?.reference).filter((ref) => ref?.startsWith('Task/')),
  );
  const byRef = new Map(tasks.map((task) => [`Task/${task.id}`, task]));
  if ([...referenced].some((ref) => !byRef.has(ref as string))) return unchanged;
  const planTasks = tasks.filter(
    (task) => referenced.has(`Task/${task.id}`) || (task.basedOn ?? []).some((ref) => ref.reference === planRef),
  );
  if (planTasks.length === 0) return unchanged;
  if (!planTasks.every((task) => isTerminalStatus(task.status))) return unchanged;
  const counted = planTasks.filter((task) => task.status !== 'entered-in-error');
  const status: CarePlan['status'] = counted.some((task) => task.status === 'completed') ? 'completed' : 'revoked';
  return { carePlan: { ...carePlan, status, period: { ...carePlan.period, end: at } }, changed: true };
}
