import { badRequest, OperationOutcomeError } from '@medplum/core';
import type { CarePlan, CodeableConcept, ServiceRequest, Task } from '@medplum/fhirtypes';
import { LIAISON_SERVICEREQUEST_PROFILE, LIAISON_TASK_PROFILE } from './profiles';
import { TaskPriority } from './priority';
import { REFERRAL_RETRY_IDENTIFIER_SYSTEM } from './referral-loop';
import { assertDueInstant, parseOwnerReference } from './task-actions';
import { taskCodeConcept } from './task-codes';
import { TaskStatus } from './task-status';

/** What a coordinator asks for when referring a patient (a closed-loop referral). */
export interface ReferralInput {
  readonly patientId: string;
  /** What is requested (e.g. home health, a specialist visit). */
  readonly code: CodeableConcept;
  /** Who is asked to do it: a reference `Organization/…`, `Practitioner/…`, … */
  readonly performer: string;
  /** When the performer should have answered by (the referral Task's due time). */
  readonly due: string;
  readonly priority?: TaskPriority;
  readonly note?: string;
  readonly encounterId?: string;
  /** The plan the referral belongs to: the Task is `basedOn` it and added to its activities. */
  readonly carePlan?: CarePlan;
  /** Who made the referral (shown as `requester.display`): the API client. */
  readonly requester?: string;
}

export interface NewReferral {
  readonly serviceRequest: ServiceRequest;
  readonly task: Task;
  /** The plan with the Task added to its activities, when one was given. */
  readonly carePlan?: CarePlan;
}

/**
 * A referral as the Gravity SDOH Clinical Care IG models it: an `active` ServiceRequest for
 * the patient naming the performer, and a `requested` Task owned by the performer, focused on
 * it, for the performer to accept or reject (the referral loop follows that Task).
 */
export function newReferral(input: ReferralInput, ids: { serviceRequest: string; task: string }, at: string): NewReferral {
  const performer = parseOwnerReference(input.performer, 'ServiceRequest.performer');
  assertDueInstant(input.due, 'Task.restriction.period.end');
  if (!input.code.text?.trim() && !(input.code.coding ?? []).some((coding) => coding.code)) {
    throw new OperationOutcomeError(badRequest('A referral says what is requested: code.text or a coding', 'ServiceRequest.code'));
  }
  const subject = { reference: `Patient/${input.patientId}` };
  const encounter = input.encounterId ? { reference: `Encounter/${input.encounterId}` } : undefined;
  const planRef = input.carePlan ? { reference: `CarePlan/${input.carePlan.id}` } : undefined;
  const performerRef = { reference: `${performer.type}/${performer.id}` };
  const priority = input.priority ?? 'routine';
  const serviceRequest: ServiceRequest = {
    resourceType: 'ServiceRequest',
    id: ids.serviceRequest,
    meta: { profile: [LIAISON_SERVICEREQUEST_PROFILE] },
    status: 'active',
    intent: 'order',
    priority,
    code: input.code,
    subject,
    ...(encounter && { encounter }),
    ...(planRef && { basedOn: [planRef] }),
    authoredOn: at,
    ...(input.requester && { requester: { display: input.requester } }),
    performer: [performerRef],
    ...(input.note?.trim() && { note: [{ text: input.note.trim(), time: at }] }),
  };
  const what = input.code.text ?? input.code.coding?.find((coding) => coding.display)?.display ?? 'referral';
  const task: Task = {
    resourceType: 'Task',
    id: ids.task,
    meta: { profile: [LIAISON_TASK_PROFILE] },
    status: 'requested' satisfies TaskStatus,
    intent: 'order',
    priority,
    code: taskCodeConcept('referral'),
    description: `Referral: ${what}`,
    focus: { reference: `ServiceRequest/${ids.serviceRequest}` },
    for: subject,
    ...(encounter && { encounter }),
    ...(planRef && { basedOn: [planRef] }),
    authoredOn: at,
    lastModified: at,
    owner: performerRef,
    restriction: { period: { end: input.due } },
  };
  const carePlan = input.carePlan && {
    ...input.carePlan,
    activity: [...(input.carePlan.activity ?? []), { reference: { reference: `Task/${ids.task}` } }],
  };
  return { serviceRequest, task, ...(carePlan && { carePlan }) };
}

/** Where a referral stands, for people: what the ServiceRequest and the Task fulfilling it say together. */
export type ReferralState = 'draft' | 'sent' | 'accepted' | 'in-progress' | 'declined' | 'on-hold' | 'completed' | 'revoked' | 'entered-in-error';

const STATE_OF_TASK: Readonly<Partial<Record<TaskStatus, ReferralState>>> = {
  draft: 'draft',
  requested: 'sent',
  received: 'sent',
  accepted: 'accepted',
  ready: 'accepted',
  'in-progress': 'in-progress',
  'on-hold': 'on-hold',
  rejected: 'declined',
  failed: 'declined',
  completed: 'completed',
  cancelled: 'revoked',
};

/**
 * The referral's state: a settled ServiceRequest (completed, revoked, in error) decides;
 * otherwise the most recently changed Task focused on it (by `lastModified`; open "find another
 * performer" work means declined), and with none, `draft` or `sent` from the request's own status.
 */
export function referralState(serviceRequest: Pick<ServiceRequest, 'id' | 'status'>, tasks: readonly Task[]): ReferralState {
  switch (serviceRequest.status) {
    case 'completed':
      return 'completed';
    case 'revoked':
      return 'revoked';
    case 'entered-in-error':
      return 'entered-in-error';
    case 'on-hold':
      return 'on-hold';
    default:
      break;
  }
  const ref = `ServiceRequest/${serviceRequest.id}`;
  const fulfilling = tasks.filter((task) => task.focus?.reference === ref && task.status !== 'entered-in-error');
  const changedAt = (task: Task): number => (task.lastModified ? Date.parse(task.lastModified) : -Infinity) || -Infinity;
  const latest = fulfilling.reduce<Task | undefined>((best, task) => (!best || changedAt(task) >= changedAt(best) ? task : best), undefined);
  if (!latest) return serviceRequest.status === 'draft' ? 'draft' : 'sent';
  // "Find another performer" work (opened when a performer declined) means: declined, being re-sent.
  const isRetry = (latest.identifier ?? []).some((id) => id.system === REFERRAL_RETRY_IDENTIFIER_SYSTEM);
  if (isRetry && latest.status !== 'completed') return 'declined';
  return STATE_OF_TASK[latest.status] ?? 'sent';
}
