import type { Task } from '@medplum/fhirtypes';

/** The R4 Task status codes (http://hl7.org/fhir/task-status). */
export type TaskStatus = Task['status'];

export const TASK_STATUSES: readonly TaskStatus[] = [
  'draft',
  'requested',
  'received',
  'accepted',
  'rejected',
  'ready',
  'cancelled',
  'in-progress',
  'on-hold',
  'failed',
  'completed',
  'entered-in-error',
];

/**
 * The R4 Task state machine (task.html#statemachine) as we enforce it, one row per status:
 * where a Task in that status may go next. Choices beyond the diagram, on purpose:
 * - `draft` may go straight to `ready` (a scheduled reminder becoming due needs no acceptance);
 * - `ready` may be `completed` or `failed` without passing through `in-progress` (a phone call
 *   done, or given up on, in one step);
 * - any status may become `entered-in-error` (a correction, not a workflow step), and nothing
 *   leaves `entered-in-error`;
 * - `rejected`, `cancelled`, `failed` and `completed` are terminal.
 * Staying in the same status is always allowed (it is not a transition); what may change then
 * is governed by `checkTaskUpdate`.
 */
export const ALLOWED_TRANSITIONS: Readonly<Record<TaskStatus, readonly TaskStatus[]>> = {
  draft: ['requested', 'ready', 'cancelled', 'entered-in-error'],
  requested: ['received', 'accepted', 'rejected', 'ready', 'cancelled', 'entered-in-error'],
  received: ['accepted', 'rejected', 'cancelled', 'entered-in-error'],
  accepted: ['ready', 'in-progress', 'cancelled', 'entered-in-error'],
  ready: ['in-progress', 'completed', 'failed', 'cancelled', 'entered-in-error'],
  'in-progress': ['on-hold', 'completed', 'failed', 'cancelled', 'entered-in-error'],
  'on-hold': ['in-progress', 'failed', 'cancelled', 'entered-in-error'],
  rejected: ['entered-in-error'],
  cancelled: ['entered-in-error'],
  failed: ['entered-in-error'],
  completed: ['entered-in-error'],
  'entered-in-error': [],
};

/** Statuses a Task never leaves except by being marked `entered-in-error` (which it never leaves). */
export const TERMINAL_STATUSES: ReadonlySet<TaskStatus> = new Set<TaskStatus>([
  'rejected',
  'cancelled',
  'failed',
  'completed',
  'entered-in-error',
]);

/** Entering these needs a `statusReason` saying why. */
export const REASON_REQUIRED: ReadonlySet<TaskStatus> = new Set<TaskStatus>(['cancelled', 'rejected', 'failed']);

/**
 * Elements of a terminal Task that may still change: bookkeeping, notes, and the subject and
 * encounter references (a patient merge or encounter move retargets history too). Everything
 * else is frozen once the work is over.
 */
export const TERMINAL_MUTABLE_ELEMENTS: ReadonlySet<string> = new Set([
  'meta',
  'text',
  'note',
  'for',
  'encounter',
  'lastModified',
  'relevantHistory',
]);

export function isTaskStatus(value: unknown): value is TaskStatus {
  return typeof value === 'string' && (TASK_STATUSES as readonly string[]).includes(value);
}

export function isTerminalStatus(status: TaskStatus): boolean {
  return TERMINAL_STATUSES.has(status);
}

/** Open work, including drafts not yet released (a scheduled reminder): anything not terminal. */
export function isOpenStatus(status: TaskStatus): boolean {
  return !TERMINAL_STATUSES.has(status);
}

/** Whether `from` → `to` is a transition the state machine allows (`from` = `to` is not a transition). */
export function canTransition(from: TaskStatus, to: TaskStatus): boolean {
  return ALLOWED_TRANSITIONS[from]?.includes(to) ?? false;
}
