import type { Task } from '@medplum/fhirtypes';
import { parseDateRange, parseReferenceString } from '@liaison/fhir-search';
import { hasBusinessStatus } from './business-status';
import { PRIORITY_ORDER } from './priority';
import { taskCodeOf } from './task-codes';
import { isOpenStatus, TaskStatus } from './task-status';

/**
 * What a worklist filters and sorts a Task by, extracted when the Task is written (the store
 * keeps it in typed, indexed columns next to the resource).
 */
export interface TaskWorklistEntry {
  readonly status: TaskStatus;
  /** Not terminal (`isOpenStatus`): the Task is still work to do. */
  readonly open: boolean;
  /** The Liaison task code (`post-discharge-contact`), else the first coding's code. */
  readonly code: string | undefined;
  /** 0 = stat, 1 = asap, 2 = urgent, 3 = routine (or no priority): ascending is most urgent first. */
  readonly urgency: number;
  /** `restriction.period.end` in epoch ms (see `taskDueAt`). */
  readonly dueAt: number | undefined;
  /** `owner` as a local `Type/id` (or the absolute URL it is). */
  readonly owner: string | undefined;
  /** The id of the Patient in `for`, when it is one. */
  readonly patientId: string | undefined;
  /** `businessStatus` says overdue (the overdue sweep marked it). */
  readonly overdueMarked: boolean;
}

/**
 * The due time of a Task: `restriction.period.end`. A full date-time is that instant; a date
 * without a time means by the end of that (UTC) day, so its last millisecond. Undefined when
 * absent or not a date.
 */
export function taskDueAt(task: Pick<Task, 'restriction'>): number | undefined {
  const end = task.restriction?.period?.end;
  if (!end) return undefined;
  const range = parseDateRange(end);
  if (!range) return undefined;
  return end.includes('T') ? range.low : range.high - 1;
}

/** Higher priority sorts first: `stat` 0 … `routine` (and absent) 3. */
export function taskUrgency(priority: Task['priority']): number {
  const index = PRIORITY_ORDER.indexOf(priority ?? 'routine');
  return PRIORITY_ORDER.length - 1 - Math.max(index, 0);
}

/** The priority of an urgency (`taskUrgency`'s inverse). */
export function priorityOfUrgency(urgency: number): NonNullable<Task['priority']> {
  const index = PRIORITY_ORDER.length - 1 - urgency;
  return PRIORITY_ORDER[Math.min(Math.max(index, 0), PRIORITY_ORDER.length - 1)];
}

/**
 * Overdue: still open, and either marked overdue by the sweep or past its due time at `nowMs`.
 * (The sweep marks Tasks some time after they fall due; apps see them overdue right away.)
 */
export function isTaskOverdue(task: Pick<Task, 'status' | 'businessStatus' | 'restriction'>, nowMs: number): boolean {
  if (!isOpenStatus(task.status)) return false;
  if (hasBusinessStatus(task, 'overdue')) return true;
  const due = taskDueAt(task);
  return due !== undefined && due < nowMs;
}

function localReference(reference: string | undefined, baseUrl: string): { type?: string; id?: string; url?: string } | undefined {
  if (!reference) return undefined;
  const parsed = parseReferenceString(reference, baseUrl);
  if (!parsed) return undefined;
  if (parsed.targetType && parsed.targetId) return { type: parsed.targetType, id: parsed.targetId };
  return parsed.url ? { url: parsed.url } : undefined;
}

/** The worklist columns of a Task; `baseUrl` is our FHIR base (absolute references to it are local). */
export function taskWorklistEntry(task: Task, baseUrl: string): TaskWorklistEntry {
  const owner = localReference(task.owner?.reference, baseUrl);
  const subject = localReference(task.for?.reference, baseUrl);
  return {
    status: task.status,
    open: isOpenStatus(task.status),
    code: taskCodeOf(task) ?? task.code?.coding?.find((coding) => coding.code)?.code,
    urgency: taskUrgency(task.priority),
    dueAt: taskDueAt(task),
    owner: owner && (owner.url ?? `${owner.type}/${owner.id}`),
    patientId: subject?.type === 'Patient' ? subject.id : undefined,
    overdueMarked: hasBusinessStatus(task, 'overdue'),
  };
}
