import { assertTaskUpdate, isOpenStatus } from '@liaison/task-workflow';
import type { CarePlan, Reference, ServiceRequest, Task } from '@medplum/fhirtypes';
import { cancelWork, ChangeSet, uniqueById } from './change-set';
import { planKindOf } from './plan-builders';
import { CoordinationEvent, CoordinationSettings, ExistingPlan, PlanChanges } from './protocol-model';

export interface RevisePlansInput {
  /** `encounter.admission-cancelled` (A11), `encounter.discharge-cancelled` (A13) or `patient.merged` (A40). */
  readonly event: CoordinationEvent;
  /** The cancelled encounter (cancel events). */
  readonly encounter?: Reference;
  /** The merged-away patient and the surviving one (`patient.merged`). */
  readonly merge?: { readonly source: Reference; readonly target: Reference };
  /** The patient's plans (for a merge: the source patient's), with their Tasks and ServiceRequests. */
  readonly plans: readonly ExistingPlan[];
  /** Other ServiceRequests the plans' Tasks may be focused on. */
  readonly serviceRequests?: readonly ServiceRequest[];
  readonly settings: CoordinationSettings;
  readonly now: string;
  readonly newId: (key: string) => string;
}

const CANCEL_REASON = {
  'encounter.admission-cancelled': 'Admission cancelled',
  'encounter.discharge-cancelled': 'Discharge cancelled',
} as const;

const REVISABLE_PLAN: ReadonlySet<CarePlan['status']> = new Set<CarePlan['status']>(['draft', 'active', 'on-hold']);

/**
 * Revises plans after an undo. A cancelled admission revokes every plan of the encounter; a
 * cancelled discharge revokes the encounter's discharge plans. Revoking a plan cancels its
 * open Tasks (statusReason: what was cancelled), revokes the referrals nobody pursues any more,
 * keeps what was already done (terminal Tasks, completed plans untouched) and sets the plan
 * `revoked`. A merge moves the plans, Tasks and ServiceRequests of the merged-away patient to
 * the surviving one, done work included (see retargetReferences).
 */
export function revisePlans(input: RevisePlansInput): PlanChanges {
  const { event } = input;
  switch (event.kind) {
    case 'encounter.admission-cancelled':
    case 'encounter.discharge-cancelled':
      return revokeEncounterPlans(input, event.kind);
    case 'patient.merged':
      if (!input.merge) throw new Error('patient.merged needs merge.source and merge.target');
      return retargetReferences(input.plans, input.merge.source, input.merge.target, input.now);
    default:
      throw new Error(`revisePlans does not handle ${event.kind}: use applyProtocols`);
  }
}

function revokeEncounterPlans(
  input: RevisePlansInput,
  kind: 'encounter.admission-cancelled' | 'encounter.discharge-cancelled',
): PlanChanges {
  const encounterRef = input.encounter?.reference;
  if (!encounterRef) throw new Error(`${kind} needs the encounter`);
  const affected = input.plans.filter(
    (plan) =>
      plan.carePlan.encounter?.reference === encounterRef &&
      REVISABLE_PLAN.has(plan.carePlan.status) &&
      (kind === 'encounter.admission-cancelled' || planKindOf(plan.carePlan) === 'encounter.discharged'),
  );
  const changes = new ChangeSet();
  const revoked = new Set(affected.map((plan) => `CarePlan/${plan.carePlan.id}`));
  const reason = CANCEL_REASON[kind];
  const open = uniqueById(affected.flatMap((plan) => plan.tasks)).filter((task) => isOpenStatus(task.status));
  if (open.length > 0) {
    cancelWork(changes, {
      tasks: open,
      reason,
      now: input.now,
      plans: input.plans,
      serviceRequests: input.serviceRequests ?? [],
      reopenOwner: input.settings.defaultQueue,
      newId: input.newId,
      skipRollUp: revoked,
    });
  }
  for (const plan of affected) {
    const current = changes.current(plan.carePlan);
    changes.update({ ...current, status: 'revoked', period: { ...current.period, end: input.now } });
  }
  return changes.result();
}

/**
 * Points every plan, Task and ServiceRequest that references `from` (as subject, `for` or
 * encounter) at `to` instead: for a patient merge, or an encounter moved to another record.
 * Terminal Tasks are retargeted too (the state machine allows `for`/`encounter` to change on
 * them); `lastModified` is stamped on the Tasks changed.
 */
export function retargetReferences(plans: readonly ExistingPlan[], from: Reference, to: Reference, now: string): PlanChanges {
  const changes = new ChangeSet();
  const moved = <T extends Reference>(ref: T | undefined): T | undefined =>
    ref?.reference === from.reference ? ({ ...to } as T) : undefined;
  for (const carePlan of uniqueById(plans.map((plan) => plan.carePlan))) {
    const subject = moved(carePlan.subject);
    const encounter = moved(carePlan.encounter);
    if (subject || encounter) {
      changes.update({ ...carePlan, ...(subject && { subject }), ...(encounter && { encounter }) });
    }
  }
  for (const task of uniqueById(plans.flatMap((plan) => plan.tasks))) {
    const forRef = moved(task.for);
    const encounter = moved(task.encounter);
    if (forRef || encounter) {
      const next: Task = { ...task, ...(forRef && { for: forRef }), ...(encounter && { encounter }), lastModified: now };
      assertTaskUpdate(task, next);
      changes.update(next);
    }
  }
  for (const request of uniqueById(plans.flatMap((plan) => plan.serviceRequests))) {
    const subject = moved(request.subject);
    const encounter = moved(request.encounter);
    if (subject || encounter) {
      changes.update({ ...request, ...(subject && { subject }), ...(encounter && { encounter }) });
    }
  }
  return changes.result();
}
