import type { CarePlan, ServiceRequest, Task } from '@medplum/fhirtypes';
import { LIAISON_TASK_PROFILE } from './profiles';
import { taskCodeConcept } from './task-codes';
import { isOpenStatus } from './task-status';

/** Identifies the "find another performer" Task opened for one refused referral Task. */
export const REFERRAL_RETRY_IDENTIFIER_SYSTEM = 'http://liaison.health/fhir/identifier/referral-retry';

export interface FulfillmentChange {
  /** The ServiceRequest the Task's `focus` references. */
  readonly serviceRequest: ServiceRequest;
  /** The Task as it is now (after its change). */
  readonly task: Task;
  /** Every other Task focused on the same ServiceRequest (to know whether work is still open). */
  readonly otherTasks: readonly Task[];
  /** The plan the Task belongs to, if any: a new Task is added to its activities. */
  readonly carePlan?: CarePlan;
  readonly at: string;
  /** Who finds another performer: the coordinator queue. */
  readonly reopenOwner: NonNullable<Task['owner']>;
  /** When that must be done by (a FHIR instant): every coordination Task has a due time. */
  readonly reopenDue: string;
  readonly newId: (key: string) => string;
}

export interface FulfillmentOutcome {
  /** The ServiceRequest's new version, when it changes. */
  readonly serviceRequest?: ServiceRequest;
  /** The CarePlan's new version, when a Task was added to it. */
  readonly carePlan?: CarePlan;
  readonly createTasks: readonly Task[];
}

const SETTLED_REQUEST: ReadonlySet<ServiceRequest['status']> = new Set<ServiceRequest['status']>([
  'completed',
  'revoked',
  'entered-in-error',
]);

/**
 * A ServiceRequest follows the Task that fulfils it (closed-loop referral, as in the Gravity SDOH
 * Clinical Care IG: the performer accepts or rejects the referral Task, and on rejection the
 * referrer resumes by sending it to another performer):
 * - Task `completed` → ServiceRequest `completed`;
 * - Task `rejected` or `failed` → the ServiceRequest stays wanted: back to `active`, the refusing
 *   owner removed from its performers, and — unless other work on it is still open — a new
 *   `referral` Task ("find another performer") for `reopenOwner`, focused on it, added to the plan;
 * - Task `cancelled` → nobody pursues the request any more: `revoked`, unless other work on it is
 *   still open;
 * - anything else, or a ServiceRequest already completed, revoked or in error → no change.
 * Idempotent: the new Task carries an identifier derived from the refused Task, and is not made
 * again when it is among `otherTasks`.
 */
export function followFulfillingTask(change: FulfillmentChange): FulfillmentOutcome {
  const { serviceRequest, task, otherTasks } = change;
  const none: FulfillmentOutcome = { createTasks: [] };
  const srRef = `ServiceRequest/${serviceRequest.id}`;
  if (!(task.focus?.reference === srRef) || SETTLED_REQUEST.has(serviceRequest.status)) return none;
  const others = otherTasks.filter((other) => other.id !== task.id);
  const otherWorkOpen = others.some((other) => other.focus?.reference === srRef && isOpenStatus(other.status));

  switch (task.status) {
    case 'completed':
      return { serviceRequest: { ...serviceRequest, status: 'completed' }, createTasks: [] };
    case 'cancelled':
      return otherWorkOpen ? none : { serviceRequest: { ...serviceRequest, status: 'revoked' }, createTasks: [] };
    case 'rejected':
    case 'failed': {
      const refusedBy = task.owner?.reference;
      const performer = (serviceRequest.performer ?? []).filter((ref) => !refusedBy || ref.reference !== refusedBy);
      const reopened: ServiceRequest = { ...serviceRequest, status: 'active', performer };
      if (performer.length === 0) delete reopened.performer;
      const retryKey = `Task/${task.id}`;
      const alreadyReopened = others.some((other) =>
        (other.identifier ?? []).some((id) => id.system === REFERRAL_RETRY_IDENTIFIER_SYSTEM && id.value === retryKey),
      );
      const requestChanged = reopened.status !== serviceRequest.status || performer.length !== (serviceRequest.performer ?? []).length;
      if (otherWorkOpen || alreadyReopened) {
        return requestChanged ? { serviceRequest: reopened, createTasks: [] } : none;
      }
      const retry = findAnotherPerformerTask(change, retryKey);
      const carePlan = change.carePlan && {
        ...change.carePlan,
        activity: [...(change.carePlan.activity ?? []), { reference: { reference: `Task/${retry.id}` } }],
      };
      return { serviceRequest: requestChanged ? reopened : undefined, carePlan, createTasks: [retry] };
    }
    default:
      return none;
  }
}

function findAnotherPerformerTask(change: FulfillmentChange, retryKey: string): Task {
  const { serviceRequest, task, at } = change;
  const what = serviceRequest.code?.text ?? serviceRequest.code?.coding?.[0]?.display ?? 'the referral';
  const retry: Task = {
    resourceType: 'Task',
    id: change.newId(`${REFERRAL_RETRY_IDENTIFIER_SYSTEM}|${retryKey}`),
    meta: { profile: [LIAISON_TASK_PROFILE] },
    identifier: [{ system: REFERRAL_RETRY_IDENTIFIER_SYSTEM, value: retryKey }],
    status: 'ready',
    intent: 'order',
    priority: serviceRequest.priority ?? task.priority ?? 'routine',
    code: taskCodeConcept('referral'),
    description: `Find another performer for ${what} (previous one ${task.status === 'failed' ? 'failed' : 'declined'})`,
    focus: { reference: `ServiceRequest/${serviceRequest.id}` },
    for: task.for ?? serviceRequest.subject,
    encounter: task.encounter ?? serviceRequest.encounter,
    basedOn: task.basedOn ?? (change.carePlan ? [{ reference: `CarePlan/${change.carePlan.id}` }] : undefined),
    authoredOn: at,
    lastModified: at,
    owner: change.reopenOwner,
    restriction: { period: { end: change.reopenDue } },
  };
  if (!retry.basedOn) delete retry.basedOn;
  return retry;
}
