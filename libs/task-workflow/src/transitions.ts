import type { CodeableConcept, OperationOutcome, Task } from '@medplum/fhirtypes';
import {
  canTransition,
  isTaskStatus,
  isTerminalStatus,
  REASON_REQUIRED,
  TaskStatus,
  TERMINAL_MUTABLE_ELEMENTS,
} from './task-status';
import { throwIfOutcome, workflowOutcome } from './workflow-errors';

/**
 * Decides whether a Task may change from `previous` to `next`, whatever door the change came
 * through (FHIR PUT/PATCH, a transaction, GraphQL, a job): both are whole Task resources.
 * Returns the refusal as an OperationOutcome, or undefined when the change is allowed.
 *
 * - `status` must be a Task status code (`value`, `Task.status`);
 * - a status change must be an allowed transition (`conflict`, `Task.status`);
 * - entering `cancelled`, `rejected` or `failed` needs a `statusReason` (`business-rule`,
 *   `Task.statusReason`);
 * - a terminal Task keeps every element except those in TERMINAL_MUTABLE_ELEMENTS; marking it
 *   `entered-in-error` may also set `status` and `statusReason` (`conflict`, `Task.<element>`).
 *
 * Non-terminal Tasks may change anything else (`businessStatus`, owner, priority, due …)
 * without a status change.
 */
export function checkTaskUpdate(previous: Task, next: Task): OperationOutcome | undefined {
  if (!isTaskStatus(next.status)) {
    return workflowOutcome('value', 'unknown-status', `"${String(next.status)}" is not a Task status`, 'Task.status');
  }
  const from = previous.status;
  const to = next.status;
  if (from !== to) {
    if (!canTransition(from, to)) {
      return workflowOutcome('conflict', 'transition-not-allowed', `Task ${from} → ${to} is not allowed`, 'Task.status');
    }
    if (REASON_REQUIRED.has(to) && !hasStatusReason(next)) {
      return workflowOutcome(
        'business-rule',
        'status-reason-required',
        `Task → ${to} needs a statusReason`,
        'Task.statusReason',
      );
    }
  }
  if (isTerminalStatus(from)) {
    const mayChange = new Set(TERMINAL_MUTABLE_ELEMENTS);
    if (from !== to) mayChange.add('status').add('statusReason');
    const frozen = changedElements(previous, next).find((element) => !mayChange.has(element));
    if (frozen) {
      return workflowOutcome('conflict', 'terminal-task-frozen', `Task is ${from}: ${frozen} cannot change`, `Task.${frozen}`);
    }
  }
  return undefined;
}

/** `checkTaskUpdate`, throwing its refusal as an OperationOutcomeError. */
export function assertTaskUpdate(previous: Task, next: Task): void {
  throwIfOutcome(checkTaskUpdate(previous, next));
}

/**
 * Decides whether a new Task may be created as it is: a known status, not `entered-in-error`,
 * and a `statusReason` if it starts cancelled, rejected or failed.
 */
export function checkTaskCreate(task: Task): OperationOutcome | undefined {
  if (!isTaskStatus(task.status)) {
    return workflowOutcome('value', 'unknown-status', `"${String(task.status)}" is not a Task status`, 'Task.status');
  }
  if (task.status === 'entered-in-error') {
    return workflowOutcome('business-rule', 'created-in-error', 'A Task cannot be created entered-in-error', 'Task.status');
  }
  if (REASON_REQUIRED.has(task.status) && !hasStatusReason(task)) {
    return workflowOutcome('business-rule', 'status-reason-required', `A ${task.status} Task needs a statusReason`, 'Task.statusReason');
  }
  return undefined;
}

/** `checkTaskCreate`, throwing its refusal as an OperationOutcomeError. */
export function assertTaskCreate(task: Task): void {
  throwIfOutcome(checkTaskCreate(task));
}

/** A reason as text or a coded reason, or a plain string taken as text. */
export type StatusReason = string | CodeableConcept;

/**
 * Moves `task` to `to` at `at` (a FHIR instant), or throws an OperationOutcomeError. The
 * previous `statusReason` is dropped unless a new `reason` is given (it explained the old status);
 * starting work sets `executionPeriod.start`, finishing it sets `executionPeriod.end`.
 */
export function transitionTask(task: Task, to: TaskStatus, at: string, reason?: StatusReason): Task {
  const { statusReason: _previousReason, ...rest } = task;
  const next: Task = { ...rest, status: to, lastModified: at };
  if (reason !== undefined) next.statusReason = typeof reason === 'string' ? { text: reason } : reason;
  if (task.status === to) {
    // Not a transition: keep the current reason when none is given.
    if (reason === undefined && task.statusReason) next.statusReason = task.statusReason;
  } else if (to === 'in-progress' && !task.executionPeriod?.start) {
    next.executionPeriod = { ...task.executionPeriod, start: at };
  } else if (to === 'completed' || to === 'failed') {
    next.executionPeriod = { ...task.executionPeriod, end: at };
  }
  assertTaskUpdate(task, next);
  return next;
}

/**
 * Sets a finer-grained step (`businessStatus`, e.g. left-voicemail, overdue) without changing
 * the status. Refused on a terminal Task.
 */
export function setBusinessStatus(task: Task, businessStatus: CodeableConcept, at: string): Task {
  const next: Task = { ...task, businessStatus, lastModified: at };
  assertTaskUpdate(task, next);
  return next;
}

export function hasStatusReason(task: Task): boolean {
  const reason = task.statusReason;
  if (!reason) return false;
  return Boolean(reason.text?.trim()) || (reason.coding ?? []).some((coding) => Boolean(coding.code));
}

/** Top-level elements whose values differ between two resources (order of object keys ignored). */
export function changedElements(previous: object, next: object): string[] {
  const a = previous as Record<string, unknown>;
  const b = next as Record<string, unknown>;
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  return [...keys].filter((key) => !sameJson(a[key], b[key])).sort();
}

function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === undefined || b === undefined || a === null || b === null) return isEmptyJson(a) && isEmptyJson(b);
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((item, index) => sameJson(item, b[index]));
  }
  if (typeof a === 'object' && typeof b === 'object') {
    const ao = a as Record<string, unknown>;
    const bo = b as Record<string, unknown>;
    const keys = new Set([...Object.keys(ao), ...Object.keys(bo)]);
    return [...keys].every((key) => sameJson(ao[key], bo[key]));
  }
  return false;
}

/** Absent, null, and empty arrays mean the same in FHIR JSON. */
function isEmptyJson(value: unknown): boolean {
  return value === undefined || value === null || (Array.isArray(value) && value.length === 0);
}
