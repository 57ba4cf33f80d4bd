import {
  LIAISON_CAREPLAN_PROFILE,
  LIAISON_SERVICEREQUEST_PROFILE,
  LIAISON_TASK_PROFILE,
  taskCodeConcept,
  TASK_CODE_DISPLAY,
} from '@liaison/task-workflow';
import type { CarePlan, CarePlanActivity, Encounter, Identifier, Patient, Reference, ServiceRequest, Task } from '@medplum/fhirtypes';
import { ProtocolAction } from './protocol-definition';
import {
  CARE_PLAN_IDENTIFIER_SYSTEM,
  COORDINATION_EVENT_KINDS,
  COORDINATION_EVENT_SYSTEM,
  CoordinationEventKind,
  PLAN_ACTIVITY_IDENTIFIER_SYSTEM,
  PLAN_REQUEST_IDENTIFIER_SYSTEM,
  TaskOwner,
} from './protocol-model';

const SNOMED = 'http://snomed.info/sct';

const PLAN_TITLES: Partial<Record<CoordinationEventKind, string>> = {
  'encounter.admitted': 'Admission care coordination',
  'encounter.discharged': 'Transitional care after discharge',
};

/** `<Encounter ref>|<event kind>|<generation>`: one plan per encounter and event, a new generation after a revoked one. */
export function carePlanKey(encounterRef: string, kind: CoordinationEventKind, generation: number): string {
  return `${encounterRef}|${kind}|${generation}`;
}

/** `<plan key>|<PlanDefinition url>#<action id>`: what makes "the same Task" on a replay. */
export function activityKey(planKey: string, action: Pick<ProtocolAction, 'url' | 'id'>): string {
  return `${planKey}|${action.url}#${action.id}`;
}

export function identifierValue(resource: { identifier?: Identifier[] }, system: string): string | undefined {
  return resource.identifier?.find((identifier) => identifier.system === system)?.value;
}

/** The event kind that started a plan (its `category`), if it is one of ours. */
export function planKindOf(carePlan: CarePlan): CoordinationEventKind | undefined {
  for (const category of carePlan.category ?? []) {
    for (const coding of category.coding ?? []) {
      if (coding.system === COORDINATION_EVENT_SYSTEM && (COORDINATION_EVENT_KINDS as readonly string[]).includes(coding.code ?? '')) {
        return coding.code as CoordinationEventKind;
      }
    }
  }
  return undefined;
}

/** The generation in a plan's identity (1 for the first plan of an encounter and event). */
export function planGeneration(carePlan: CarePlan): number {
  const value = identifierValue(carePlan, CARE_PLAN_IDENTIFIER_SYSTEM);
  const generation = Number(value?.split('|').at(-1));
  return Number.isInteger(generation) && generation > 0 ? generation : 1;
}

export interface NewPlan {
  readonly id: string;
  readonly key: string;
  readonly kind: CoordinationEventKind;
  readonly patient: Reference<Patient>;
  readonly encounter: Reference<Encounter>;
  readonly eventTime: string;
  readonly now: string;
  readonly instantiates: readonly string[];
  /** References to the plan's Tasks (and the referrals they arrange). */
  readonly activities: readonly CarePlanActivity[];
}

export function buildCarePlan(plan: NewPlan): CarePlan {
  return {
    resourceType: 'CarePlan',
    id: plan.id,
    meta: { profile: [LIAISON_CAREPLAN_PROFILE] },
    identifier: [{ system: CARE_PLAN_IDENTIFIER_SYSTEM, value: plan.key }],
    instantiatesCanonical: [...plan.instantiates],
    status: 'active',
    intent: 'plan',
    category: [{ coding: [{ system: COORDINATION_EVENT_SYSTEM, code: plan.kind }] }],
    title: PLAN_TITLES[plan.kind] ?? 'Care coordination',
    subject: plan.patient,
    encounter: plan.encounter,
    period: { start: plan.eventTime },
    created: plan.now,
    activity: [...plan.activities],
  };
}

export interface NewTask {
  readonly id: string;
  readonly key: string;
  readonly action: ProtocolAction;
  readonly carePlanId: string;
  readonly planKey: string;
  readonly patient: Reference<Patient>;
  readonly encounter: Reference<Encounter>;
  readonly owner: TaskOwner;
  readonly now: string;
  readonly due?: string;
  /** When a scheduled Task becomes ready; in the future it is created as a `draft`. */
  readonly readyAt?: string;
  readonly focus?: Reference;
}

export function buildTask(spec: NewTask): Task {
  const code = spec.action.taskCodes[0];
  const scheduled = spec.readyAt !== undefined && Date.parse(spec.readyAt) > Date.parse(spec.now);
  const task: Task = {
    resourceType: 'Task',
    id: spec.id,
    meta: { profile: [LIAISON_TASK_PROFILE] },
    identifier: [{ system: PLAN_ACTIVITY_IDENTIFIER_SYSTEM, value: spec.key }],
    instantiatesUri: `${spec.action.url}#${spec.action.id}`,
    basedOn: [{ reference: `CarePlan/${spec.carePlanId}` }],
    groupIdentifier: { system: CARE_PLAN_IDENTIFIER_SYSTEM, value: spec.planKey },
    status: scheduled ? 'draft' : 'ready',
    intent: 'order',
    priority: spec.action.priority,
    code: taskCodeConcept(code),
    description: spec.action.title ?? TASK_CODE_DISPLAY[code],
    for: spec.patient,
    encounter: spec.encounter,
    authoredOn: spec.now,
    lastModified: spec.now,
    owner: spec.owner,
  };
  if (spec.focus) task.focus = spec.focus;
  if (spec.due !== undefined || spec.readyAt !== undefined) {
    task.restriction = { period: { ...(spec.readyAt && { start: spec.readyAt }), ...(spec.due && { end: spec.due }) } };
  }
  return task;
}

export interface NewRequest {
  readonly id: string;
  readonly key: string;
  readonly action: ProtocolAction;
  readonly carePlanId: string;
  readonly patient: Reference<Patient>;
  readonly encounter: Reference<Encounter>;
  readonly now: string;
}

/** The referral an action asks for, from its ActivityDefinition (kind ServiceRequest). */
export function buildServiceRequest(spec: NewRequest): ServiceRequest {
  const definition = spec.action.request;
  const intent = definition?.intent ?? 'order';
  return {
    resourceType: 'ServiceRequest',
    id: spec.id,
    meta: { profile: [LIAISON_SERVICEREQUEST_PROFILE] },
    identifier: [{ system: PLAN_REQUEST_IDENTIFIER_SYSTEM, value: spec.key }],
    instantiatesCanonical: [spec.action.url],
    basedOn: [{ reference: `CarePlan/${spec.carePlanId}` }],
    status: 'active',
    intent: intent as ServiceRequest['intent'],
    category: [{ coding: [{ system: SNOMED, code: '3457005', display: 'Patient referral' }] }],
    priority: definition?.priority ?? spec.action.priority,
    ...(definition?.code && { code: definition.code }),
    subject: spec.patient,
    encounter: spec.encounter,
    authoredOn: spec.now,
  };
}
