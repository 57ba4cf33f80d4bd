import { isOpenStatus, taskCodeOf } from '@liaison/task-workflow';
import type { ActivityDefinition, CarePlan, CarePlanActivity, Encounter, Patient, PlanDefinition, Reference } from '@medplum/fhirtypes';
import { dueTime, readyTime } from './action-timing';
import { cancelWork, ChangeSet, uniqueById } from './change-set';
import { buildFhirPathContext, isApplicable } from './fhirpath-context';
import { chooseCoordinator, resolveOwner } from './owner-rules';
import {
  activityKey,
  buildCarePlan,
  buildServiceRequest,
  buildTask,
  carePlanKey,
  identifierValue,
  planGeneration,
  planKindOf,
} from './plan-builders';
import { prepareProtocols, PreparedProtocols, ProtocolAction } from './protocol-definition';
import {
  CARE_PLAN_IDENTIFIER_SYSTEM,
  CoordinationEventKind,
  CoordinationSettings,
  ExistingPlan,
  PLAN_ACTIVITY_IDENTIFIER_SYSTEM,
  PLAN_EVENT_KINDS,
  PLAN_REQUEST_IDENTIFIER_SYSTEM,
  PlanChanges,
  ProtocolContext,
  REEVALUATION_EVENT_KINDS,
  TaskOwner,
} from './protocol-model';

export interface ApplyProtocolsInput {
  /** The tenant's protocols (only `active` ones apply), best prepared once with `prepareProtocols`. */
  readonly protocols: readonly PlanDefinition[] | PreparedProtocols;
  /** ActivityDefinitions referenced by canonical URL (contained ones need not be listed; unused when prepared). */
  readonly activityDefinitions?: readonly ActivityDefinition[];
  readonly context: ProtocolContext;
  /**
   * The patient's plans as stored, each with its Tasks and ServiceRequests: at least every plan
   * of the context's encounter and every open plan of the patient.
   */
  readonly plans: readonly ExistingPlan[];
  readonly settings: CoordinationSettings;
  /** The processing time (a FHIR instant); stamps authoredOn/lastModified. */
  readonly now: string;
  /** Assigns the id of a new resource from its stable key (random or derived: the caller's choice). */
  readonly newId: (key: string) => string;
}

export interface ProtocolResult extends PlanChanges {
  /** The round-robin cursor to store for the tenant (unchanged if nobody new was picked). */
  readonly roundRobinNext: number;
}

const LIVE_PLAN: ReadonlySet<CarePlan['status']> = new Set<CarePlan['status']>(['draft', 'active', 'on-hold', 'completed', 'unknown']);
const OPEN_PLAN: ReadonlySet<CarePlan['status']> = new Set<CarePlan['status']>(['active', 'on-hold']);

/**
 * Applies the protocols to an event and returns what to write.
 *
 * For `encounter.admitted` and `encounter.discharged`: the actions triggered by the event whose
 * conditions hold become Tasks (and referral ServiceRequests) of **one** CarePlan per
 * (encounter, event kind). Applying again (a re-sent message, a replay) adds only what is missing
 * from that plan — nothing when nothing changed; a plan that is already completed is left alone;
 * after the plan was revoked (A13, A11) the next event starts a new generation. `remove` actions
 * cancel the patient's open work outside this plan (e.g. when the patient expired).
 *
 * For `coverage.changed` (re-evaluation), call once per open plan, with that plan's encounter in
 * the context: actions of the plan's kind that also name this event are re-checked — one that now
 * applies and has no open Task gets one; an open Task whose action no longer applies is cancelled.
 */
export function applyProtocols(input: ApplyProtocolsInput): ProtocolResult {
  const { context, settings, now } = input;
  const kind = context.event.kind;
  if (!PLAN_EVENT_KINDS.has(kind) && !REEVALUATION_EVENT_KINDS.has(kind)) {
    throw new Error(`applyProtocols does not handle ${kind}: use revisePlans`);
  }
  const encounter = context.encounter;
  if (!encounter?.id) throw new Error(`${kind} needs the encounter in the context`);
  const encounterRef = `Encounter/${encounter.id}`;

  const prepared = 'actions' in input.protocols ? input.protocols : prepareProtocols(input.protocols, input.activityDefinitions);
  const actions = prepared.actions.filter((action) => action.triggers.includes(kind));
  const fhirPath = buildFhirPathContext(context, now, settings.timeZone);
  const decided = new Map<string, boolean>(); // a group's condition is shared by its actions: evaluate it once
  const applies = (action: ProtocolAction): boolean =>
    action.conditions.every((condition) => {
      let holds = decided.get(condition.expression);
      if (holds === undefined) {
        holds = isApplicable(condition, fhirPath, `${action.url}#${action.id}`);
        decided.set(condition.expression, holds);
      }
      return holds;
    });

  const encounterPlans = input.plans.filter((plan) => plan.carePlan.encounter?.reference === encounterRef);
  const work = new Work(input, encounterRef, encounterPlans);

  if (PLAN_EVENT_KINDS.has(kind)) {
    applyToPlan(work, kind, actions.filter(applies));
  } else {
    for (const plan of encounterPlans.filter((p) => OPEN_PLAN.has(p.carePlan.status))) {
      const planKind = planKindOf(plan.carePlan);
      if (!planKind) continue;
      const relevant = actions.filter((action) => action.type === 'create' && action.triggers.includes(planKind));
      reevaluatePlan(work, plan, relevant, applies);
    }
  }
  return { ...work.changes.result(), roundRobinNext: work.roundRobinNext };
}

/** State of one application: the change set and the encounter's coordinator, chosen at most once. */
class Work {
  readonly changes = new ChangeSet();
  roundRobinNext: number;
  private coordinator?: TaskOwner;
  private coordinatorChosen = false;

  constructor(
    readonly input: ApplyProtocolsInput,
    readonly encounterRef: string,
    readonly encounterPlans: readonly ExistingPlan[],
  ) {
    this.roundRobinNext = input.settings.roundRobinNext;
  }

  ownerFor(action: ProtocolAction): TaskOwner {
    if (action.ownerRule === 'round-robin' && !this.coordinatorChosen) {
      const choice = chooseCoordinator(this.input.settings, this.encounterPlans.flatMap((plan) => plan.tasks));
      this.coordinator = choice.coordinator;
      this.roundRobinNext = choice.next;
      this.coordinatorChosen = true;
    }
    return resolveOwner(action.ownerRule, this.input.context, this.input.settings, this.coordinator);
  }

  /** Makes an action's Task (and referral) for a plan; returns the plan activities to add. */
  makeTask(action: ProtocolAction, carePlanId: string, planKey: string, key: string): CarePlanActivity[] {
    const { context, settings, now, newId } = this.input;
    const patient: Reference<Patient> = { reference: `Patient/${context.patient.id}` };
    const encounter: Reference<Encounter> = { reference: this.encounterRef };
    const eventTime = context.event.occurredAt;
    let focus: Reference | undefined;
    const activities: CarePlanActivity[] = [];
    if (action.request) {
      const request = buildServiceRequest({
        id: newId(`${PLAN_REQUEST_IDENTIFIER_SYSTEM}|${key}`),
        key,
        action,
        carePlanId,
        patient,
        encounter,
        now,
      });
      this.changes.create(request);
      focus = { reference: `ServiceRequest/${request.id}` };
      activities.push({ reference: { reference: `ServiceRequest/${request.id}` } });
    }
    const task = buildTask({
      id: newId(`${PLAN_ACTIVITY_IDENTIFIER_SYSTEM}|${key}`),
      key,
      action,
      carePlanId,
      planKey,
      patient,
      encounter,
      owner: this.ownerFor(action),
      now,
      due: action.due && dueTime(action.due, eventTime, settings),
      readyAt: action.readyAfter && readyTime(action.readyAfter, eventTime, settings),
      focus,
    });
    this.changes.create(task);
    activities.push({ reference: { reference: `Task/${task.id}` } });
    return activities;
  }
}

function applyToPlan(work: Work, kind: CoordinationEventKind, applicable: readonly ProtocolAction[]): void {
  const { context, now, newId, settings } = work.input;
  const sameKind = work.encounterPlans.filter((plan) => planKindOf(plan.carePlan) === kind);
  const target = sameKind
    .filter((plan) => LIVE_PLAN.has(plan.carePlan.status))
    .sort((a, b) => planGeneration(b.carePlan) - planGeneration(a.carePlan))[0];
  if (target && !OPEN_PLAN.has(target.carePlan.status)) return; // done (or not started by us): a replay changes nothing
  const generation = target ? planGeneration(target.carePlan) : Math.max(0, ...sameKind.map((p) => planGeneration(p.carePlan))) + 1;
  const planKey = target ? (identifierValue(target.carePlan, CARE_PLAN_IDENTIFIER_SYSTEM) ?? '') : carePlanKey(work.encounterRef, kind, generation);
  const carePlanId = target?.carePlan.id ?? newId(`${CARE_PLAN_IDENTIFIER_SYSTEM}|${planKey}`);
  const present = new Set((target?.tasks ?? []).map((task) => identifierValue(task, PLAN_ACTIVITY_IDENTIFIER_SYSTEM)));

  const newActivities: CarePlanActivity[] = [];
  const contributing = new Set<string>();
  for (const action of applicable.filter((a) => a.type === 'create')) {
    const key = activityKey(planKey, action);
    if (present.has(key)) continue;
    newActivities.push(...work.makeTask(action, carePlanId, planKey, key));
    contributing.add(action.url);
  }

  for (const action of applicable.filter((a) => a.type === 'remove')) {
    const codes = new Set(action.taskCodes);
    const open = uniqueById(work.input.plans.flatMap((plan) => plan.tasks))
      .map((task) => work.changes.current(task))
      .filter((task) => isOpenStatus(task.status))
      .filter((task) => !(task.basedOn ?? []).some((ref) => ref.reference === `CarePlan/${carePlanId}`))
      .filter((task) => {
        const code = taskCodeOf(task);
        return codes.size === 0 || (code !== undefined && codes.has(code));
      });
    if (open.length === 0) continue;
    cancelWork(work.changes, {
      tasks: open,
      reason: action.reason ?? action.title,
      now,
      plans: work.input.plans,
      serviceRequests: context.serviceRequests,
      reopenOwner: settings.defaultQueue,
      newId,
    });
  }

  if (newActivities.length === 0) return;
  if (target) {
    const current = work.changes.current(target.carePlan);
    const instantiates = [...new Set([...(current.instantiatesCanonical ?? []), ...contributing])];
    work.changes.update({
      ...current,
      instantiatesCanonical: instantiates,
      activity: [...(current.activity ?? []), ...newActivities],
    });
  } else {
    work.changes.create(
      buildCarePlan({
        id: carePlanId,
        key: planKey,
        kind,
        patient: { reference: `Patient/${context.patient.id}` },
        encounter: { reference: work.encounterRef },
        eventTime: context.event.occurredAt,
        now,
        instantiates: [...contributing],
        activities: newActivities,
      }),
    );
  }
}

/**
 * Re-checks a plan's actions: an action that applies and has no open Task gets one (a fresh
 * identity `…~n` when an earlier Task of it was closed); an open Task whose action no longer
 * applies is cancelled.
 */
function reevaluatePlan(
  work: Work,
  plan: ExistingPlan,
  actions: readonly ProtocolAction[],
  applies: (action: ProtocolAction) => boolean,
): void {
  const { now, newId, settings, context } = work.input;
  const planKey = identifierValue(plan.carePlan, CARE_PLAN_IDENTIFIER_SYSTEM);
  if (!planKey) return;
  const carePlanId = plan.carePlan.id as string;
  const newActivities: CarePlanActivity[] = [];
  const contributing = new Set<string>();
  for (const action of actions) {
    const base = activityKey(planKey, action);
    const mine = plan.tasks
      .map((task) => work.changes.current(task))
      .filter((task) => {
        const value = identifierValue(task, PLAN_ACTIVITY_IDENTIFIER_SYSTEM);
        return value === base || value?.startsWith(`${base}~`);
      });
    const open = mine.filter((task) => isOpenStatus(task.status));
    if (applies(action)) {
      if (open.length > 0) continue;
      const key = mine.length === 0 ? base : `${base}~${mine.length + 1}`;
      newActivities.push(...work.makeTask(action, carePlanId, planKey, key));
      contributing.add(action.url);
    } else if (open.length > 0) {
      cancelWork(work.changes, {
        tasks: open,
        reason: `No longer applies: ${action.title}`,
        now,
        plans: [plan],
        serviceRequests: context.serviceRequests,
        reopenOwner: settings.defaultQueue,
        newId,
      });
    }
  }
  if (newActivities.length === 0) return;
  const current = work.changes.current(plan.carePlan);
  const { period, ...rest } = current;
  const reopened = !OPEN_PLAN.has(current.status); // it rolled up just now: the new work re-opens it
  work.changes.update({
    ...rest,
    ...(period && { period: reopened ? { start: period.start } : period }),
    status: reopened ? 'active' : current.status,
    instantiatesCanonical: [...new Set([...(current.instantiatesCanonical ?? []), ...contributing])],
    activity: [...(current.activity ?? []), ...newActivities],
  });
}
