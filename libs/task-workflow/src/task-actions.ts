import { badRequest, OperationOutcomeError } from '@medplum/core';
import type { Annotation, Task } from '@medplum/fhirtypes';
import { parseDateRange } from '@liaison/fhir-search';
import { BUSINESS_STATUS_SYSTEM, hasBusinessStatus } from './business-status';
import { assertTaskUpdate } from './transitions';
import { taskDueAt } from './worklist-entry';

/** Resource types a Task may be owned by (R4 `Task.owner`). */
export const TASK_OWNER_TYPES: readonly string[] = [
  'Practitioner',
  'PractitionerRole',
  'Organization',
  'CareTeam',
  'HealthcareService',
  'Patient',
  'Device',
  'RelatedPerson',
];

const LOCAL_REFERENCE = /^([A-Z][A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})$/;

/** A local reference `Type/id` to something that may own a Task; a `value` error otherwise. */
export function parseOwnerReference(owner: string, expression = 'Task.owner'): { type: string; id: string } {
  const match = LOCAL_REFERENCE.exec(owner.trim());
  if (!match || !TASK_OWNER_TYPES.includes(match[1])) {
    throw new OperationOutcomeError(
      badRequest(`owner must be a reference like "Practitioner/123" to one of ${TASK_OWNER_TYPES.join(', ')}`, expression),
    );
  }
  return { type: match[1], id: match[2] };
}

/** A FHIR dateTime with a time and a zone (what a due time must be); a `value` error otherwise. */
export function assertDueInstant(value: string, expression: string): void {
  const withZone = /T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(value);
  if (!withZone || !parseDateRange(value)) {
    throw new OperationOutcomeError(badRequest(`"${value}" is not a date-time with a time zone (e.g. 2026-12-01T17:00:00-05:00)`, expression));
  }
}

/** Gives the Task to `owner` (a reference `Type/id`). Refused on a terminal Task. */
export function assignTask(task: Task, owner: string, at: string): Task {
  const { type, id } = parseOwnerReference(owner);
  const next: Task = { ...task, owner: { reference: `${type}/${id}` }, lastModified: at };
  assertTaskUpdate(task, next);
  return next;
}

/** Adds a note (allowed in any status: notes are how closed work is annotated too). */
export function addTaskNote(task: Task, text: string, at: string, author?: string): Task {
  const trimmed = text.trim();
  if (!trimmed) throw new OperationOutcomeError(badRequest('A note needs some text', 'Task.note.text'));
  const note: Annotation = { text: trimmed, time: at, ...(author && { authorString: author }) };
  const next: Task = { ...task, note: [...(task.note ?? []), note], lastModified: at };
  assertTaskUpdate(task, next);
  return next;
}

/**
 * Moves the due time (`restriction.period.end`). When the new due time is still ahead of `at`,
 * an `overdue` businessStatus no longer holds and is removed. Refused on a terminal Task.
 */
export function rescheduleTask(task: Task, due: string, at: string): Task {
  assertDueInstant(due, 'Task.restriction.period.end');
  const restriction = { ...task.restriction, period: { ...task.restriction?.period, end: due } };
  const next: Task = { ...task, restriction, lastModified: at };
  const dueAt = taskDueAt(next) as number;
  if (hasBusinessStatus(task, 'overdue') && dueAt > Date.parse(at)) {
    const coding = (task.businessStatus?.coding ?? []).filter((c) => !(c.system === BUSINESS_STATUS_SYSTEM && c.code === 'overdue'));
    if (coding.length === 0) delete next.businessStatus;
    else next.businessStatus = { coding };
  }
  const start = next.restriction?.period?.start;
  if (start && (parseDateRange(start)?.low ?? -Infinity) > dueAt) {
    throw new OperationOutcomeError(badRequest('The due time is before the Task may start', 'Task.restriction.period.end'));
  }
  assertTaskUpdate(task, next);
  return next;
}
