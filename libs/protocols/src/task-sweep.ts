import { addBusinessDays, formatInstant, toEpochMillis } from '@liaison/business-time';
import {
  businessStatusConcept,
  escalatePriority,
  hasBusinessStatus,
  LIAISON_TASK_PROFILE,
  isOpenStatus,
  setBusinessStatus,
  taskCodeConcept,
  taskCodeOf,
  transitionTask,
} from '@liaison/task-workflow';
import type { CarePlan, Task } from '@medplum/fhirtypes';
import { ChangeSet } from './change-set';
import { CoordinationSettings, ESCALATION_IDENTIFIER_SYSTEM, PlanChanges } from './protocol-model';

export interface SweepInput {
  /** Tasks to look at: drafts with a start (scheduled reminders) and open Tasks with a due time. */
  readonly tasks: readonly Task[];
  /** The plans those Tasks are basedOn, when known: escalations are added to their activities. */
  readonly carePlans?: readonly CarePlan[];
  readonly settings: CoordinationSettings;
  readonly now: string;
  readonly newId: (key: string) => string;
}

export interface SweepResult extends PlanChanges {
  /** Ids of the Tasks that became ready, and of those that became overdue (for events and metrics). */
  readonly becameReady: readonly string[];
  readonly becameOverdue: readonly string[];
}

/**
 * The schedule's decision at `now`:
 * - a `draft` Task whose `restriction.period.start` has come becomes `ready` (reminders);
 * - an open Task whose `restriction.period.end` has passed, and is not yet marked, gets
 *   `businessStatus` overdue and its priority one step up, and an `escalation` Task is opened for
 *   the tenant's supervisor queue (focus: the overdue Task; due in `escalationBusinessDays`
 *   business days, default 1). Escalation Tasks are marked overdue but not escalated again.
 * Idempotent: marked Tasks are skipped and an escalation carries an identifier derived from the
 * overdue Task, so a second sweep (or a second instance) decides nothing new.
 */
export function sweepTasks(input: SweepInput): SweepResult {
  const { now } = input;
  const nowMs = toEpochMillis(now);
  const changes = new ChangeSet();
  const becameReady: string[] = [];
  const becameOverdue: string[] = [];

  for (const original of input.tasks) {
    let task = original;
    const start = task.restriction?.period?.start;
    if (task.status === 'draft' && start !== undefined && toEpochMillis(start) <= nowMs) {
      task = transitionTask(task, 'ready', now);
      changes.update(task);
      becameReady.push(task.id as string);
    }
    const end = task.restriction?.period?.end;
    if (!isOpenStatus(task.status) || task.status === 'draft' || end === undefined) continue;
    if (toEpochMillis(end) >= nowMs || hasBusinessStatus(task, 'overdue')) continue;
    const isEscalation = taskCodeOf(task) === 'escalation';
    const priority = isEscalation ? task.priority : escalatePriority(task.priority);
    task = { ...setBusinessStatus(task, businessStatusConcept('overdue'), now), ...(priority && { priority }) };
    changes.update(task);
    becameOverdue.push(task.id as string);
    if (!isEscalation) escalate(changes, input, task, nowMs);
  }
  return { ...changes.result(), becameReady, becameOverdue };
}

function escalate(changes: ChangeSet, input: SweepInput, overdue: Task, nowMs: number): void {
  const { settings, now, newId } = input;
  const key = `Task/${overdue.id}`;
  const due = formatInstant(
    addBusinessDays(new Date(nowMs), settings.escalationBusinessDays ?? 1, settings.calendar, settings.timeZone),
    settings.timeZone,
  );
  const escalation: Task = {
    resourceType: 'Task',
    id: newId(`${ESCALATION_IDENTIFIER_SYSTEM}|${key}`),
    meta: { profile: [LIAISON_TASK_PROFILE] },
    identifier: [{ system: ESCALATION_IDENTIFIER_SYSTEM, value: key }],
    status: 'ready',
    intent: 'order',
    priority: overdue.priority ?? 'urgent',
    code: taskCodeConcept('escalation'),
    description: `Overdue: ${overdue.description ?? overdue.code?.text ?? 'task'}`,
    focus: { reference: key },
    ...(overdue.for && { for: overdue.for }),
    ...(overdue.encounter && { encounter: overdue.encounter }),
    ...(overdue.basedOn && { basedOn: overdue.basedOn }),
    authoredOn: now,
    lastModified: now,
    owner: settings.supervisorQueue,
    restriction: { period: { end: due } },
  };
  changes.create(escalation);
  const planRef = overdue.basedOn?.find((ref) => ref.reference?.startsWith('CarePlan/'))?.reference;
  const plan = input.carePlans?.find((carePlan) => `CarePlan/${carePlan.id}` === planRef);
  if (plan) {
    const current = changes.current(plan);
    changes.update({ ...current, activity: [...(current.activity ?? []), { reference: { reference: `Task/${escalation.id}` } }] });
  }
}

/**
 * When the schedule next has something to decide about `task` (what a schedule index keeps, so
 * the sweep reads only Tasks whose time has come): a `draft` with `restriction.period.start`
 * wakes at that start (it becomes ready); an open, non-draft Task with `restriction.period.end`
 * not yet marked overdue wakes at that end (the sweep marks it once the end has *passed*, so it
 * may look again right after). Undefined: nothing ahead (terminal, unscheduled, already overdue).
 */
export function nextSweepAt(task: Task): string | undefined {
  if (!isOpenStatus(task.status)) return undefined;
  const period = task.restriction?.period;
  if (task.status === 'draft') return period?.start;
  if (period?.end === undefined || hasBusinessStatus(task, 'overdue')) return undefined;
  return period.end;
}
