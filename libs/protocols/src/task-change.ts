import { addBusinessDays, formatInstant } from '@liaison/business-time';
import { followFulfillingTask } from '@liaison/task-workflow';
import type { ServiceRequest, Task } from '@medplum/fhirtypes';
import { ChangeSet, rollUpPlans } from './change-set';
import { CoordinationSettings, ExistingPlan, PlanChanges } from './protocol-model';

export interface TaskChangeInput {
  /** The Task before the change (undefined when it was just created). */
  readonly previous?: Task;
  /** The Task as committed. */
  readonly task: Task;
  /** The plan the Task is basedOn, with its Tasks and ServiceRequests as stored. */
  readonly plan?: ExistingPlan;
  /** The Task's focus, when it is a ServiceRequest (a referral). */
  readonly serviceRequest?: ServiceRequest;
  /** Every Task focused on that ServiceRequest (found by search; the plan's are enough if all are in it). */
  readonly requestTasks?: readonly Task[];
  readonly settings: CoordinationSettings;
  readonly now: string;
  readonly newId: (key: string) => string;
}

/**
 * What follows a Task's status change, in the same transaction: its referral follows it
 * (completed → ServiceRequest completed; rejected or failed → the referral re-opens with a
 * "find another performer" Task for the default queue, due the next business day; cancelled →
 * revoked when nobody else works on it), then its plan follows its Tasks (completed or revoked
 * when all are terminal). A change that keeps the status decides nothing.
 */
export function followTaskChange(input: TaskChangeInput): PlanChanges {
  const { task, previous, plan, serviceRequest, settings, now, newId } = input;
  const changes = new ChangeSet();
  if (previous && previous.status === task.status) return changes.result();
  const planTasks = (plan?.tasks ?? []).map((t) => (t.id === task.id ? task : t));
  if (serviceRequest) {
    const outcome = followFulfillingTask({
      serviceRequest,
      task,
      otherTasks: [...(input.requestTasks ?? []), ...planTasks].filter((t) => t.id !== task.id),
      carePlan: plan?.carePlan,
      at: now,
      reopenOwner: settings.defaultQueue,
      reopenDue: formatInstant(addBusinessDays(now, 1, settings.calendar, settings.timeZone), settings.timeZone),
      newId,
    });
    if (outcome.serviceRequest) changes.update(outcome.serviceRequest);
    if (outcome.carePlan) changes.update(outcome.carePlan);
    for (const created of outcome.createTasks) {
      changes.create(created);
      planTasks.push(created);
    }
  }
  if (plan) rollUpPlans(changes, [{ ...plan, tasks: planTasks }], now);
  return changes.result();
}
