import type { BusinessCalendar } from '@liaison/business-time';
import type {
  CarePlan,
  CareTeam,
  Condition,
  Coverage,
  Encounter,
  Patient,
  ServiceRequest,
  Task,
} from '@medplum/fhirtypes';

/**
 * What happened, in the coordination engine's words. The ingest (HL7 v2) and FHIR doors map
 * their messages onto these: A01 → `encounter.admitted`, A03 → `encounter.discharged`,
 * A11 → `encounter.admission-cancelled`, A13 → `encounter.discharge-cancelled`,
 * A40 (or a FHIR Patient merge) → `patient.merged`, an IN1 or FHIR Coverage change →
 * `coverage.changed`. PlanDefinition actions name them in `trigger.name` (`named-event`).
 */
export type CoordinationEventKind =
  | 'encounter.admitted'
  | 'encounter.discharged'
  | 'encounter.admission-cancelled'
  | 'encounter.discharge-cancelled'
  | 'patient.merged'
  | 'coverage.changed';

export const COORDINATION_EVENT_KINDS: readonly CoordinationEventKind[] = [
  'encounter.admitted',
  'encounter.discharged',
  'encounter.admission-cancelled',
  'encounter.discharge-cancelled',
  'patient.merged',
  'coverage.changed',
];

/** Events that start a plan for an encounter: one CarePlan per (encounter, event kind). */
export const PLAN_EVENT_KINDS: ReadonlySet<CoordinationEventKind> = new Set<CoordinationEventKind>([
  'encounter.admitted',
  'encounter.discharged',
]);

/** Events that re-evaluate the actions of open plans without starting one. */
export const REEVALUATION_EVENT_KINDS: ReadonlySet<CoordinationEventKind> = new Set<CoordinationEventKind>([
  'coverage.changed',
]);

export interface CoordinationEvent {
  readonly kind: CoordinationEventKind;
  /** When it happened (a FHIR instant with offset), e.g. the discharge time: due times count from it. */
  readonly occurredAt: string;
}

export type TaskOwner = NonNullable<Task['owner']>;

/** Per-tenant settings the engine needs (from tenant configuration). */
export interface CoordinationSettings {
  /** IANA zone business days and "end of day" are computed in, e.g. `America/New_York`. */
  readonly timeZone: string;
  readonly calendar: BusinessCalendar;
  /** The tenant's default work queue (e.g. `HealthcareService/care-coordination`). */
  readonly defaultQueue: TaskOwner;
  /** Where escalations go. */
  readonly supervisorQueue: TaskOwner;
  /** Coordinators taking encounters in turn (owner rule `round-robin`); empty → default queue. */
  readonly coordinators: readonly TaskOwner[];
  /** The round-robin cursor: index of the coordinator who takes the next encounter. */
  readonly roundRobinNext: number;
  /** Business days an escalation Task is due in (default 1). */
  readonly escalationBusinessDays?: number;
}

/** Everything an applicability condition may look at (see fhirpath-context.ts for how). */
export interface ProtocolContext {
  readonly event: CoordinationEvent;
  readonly patient: Patient;
  /** Required for `encounter.*` events and for re-evaluation (the plan's encounter). */
  readonly encounter?: Encounter;
  readonly coverages: readonly Coverage[];
  readonly conditions: readonly Condition[];
  /** The patient's ServiceRequests: orders from the EHR and referrals the plans created. */
  readonly serviceRequests: readonly ServiceRequest[];
  /** The patient's care teams (owner rule `care-team`). */
  readonly careTeams: readonly CareTeam[];
}

/** A CarePlan with its Tasks and the ServiceRequests they are focused on. */
export interface ExistingPlan {
  readonly carePlan: CarePlan;
  readonly tasks: readonly Task[];
  readonly serviceRequests: readonly ServiceRequest[];
}

export type PlanResource = CarePlan | Task | ServiceRequest;

/** What to write, in one transaction. Ids are assigned (by `newId`), so references resolve in any order. */
export interface PlanChanges {
  readonly create: readonly PlanResource[];
  readonly update: readonly PlanResource[];
}

export const LIAISON_EXTENSION_BASE = 'http://liaison.health/fhir/StructureDefinition';

/** On a PlanDefinition action: due at the end of the n-th business day after the event (valueInteger). */
export const DUE_BUSINESS_DAYS_EXTENSION = `${LIAISON_EXTENSION_BASE}/due-business-days`;
/** On a PlanDefinition action: the Task is a `draft` until event + this Duration, then becomes `ready`. */
export const READY_AFTER_EXTENSION = `${LIAISON_EXTENSION_BASE}/ready-after`;
/** On a PlanDefinition action: who owns the Task (valueCode, see OwnerRule). */
export const OWNER_RULE_EXTENSION = `${LIAISON_EXTENSION_BASE}/owner-rule`;
/** On an Encounter: how complex the discharge is for transitional care (valueCode low | moderate | high). */
export const DISCHARGE_COMPLEXITY_EXTENSION = `${LIAISON_EXTENSION_BASE}/discharge-complexity`;

export type OwnerRule = 'care-team' | 'default-queue' | 'round-robin' | 'supervisor-queue';
export const OWNER_RULES: readonly OwnerRule[] = ['care-team', 'default-queue', 'round-robin', 'supervisor-queue'];

/** CarePlan.category coding naming the event kind that started the plan. */
export const COORDINATION_EVENT_SYSTEM = 'http://liaison.health/fhir/CodeSystem/coordination-event';

/** Identity of a plan: `<Encounter ref>|<event kind>|<generation>`. */
export const CARE_PLAN_IDENTIFIER_SYSTEM = 'http://liaison.health/fhir/identifier/care-plan';
/** Identity of a Task a protocol made: `<plan identity>|<PlanDefinition url>#<action id>`. */
export const PLAN_ACTIVITY_IDENTIFIER_SYSTEM = 'http://liaison.health/fhir/identifier/plan-activity';
/** Identity of a ServiceRequest a protocol made: same value as its Task's. */
export const PLAN_REQUEST_IDENTIFIER_SYSTEM = 'http://liaison.health/fhir/identifier/plan-request';
/** Identity of an escalation Task: `Task/<id of the overdue Task>`. */
export const ESCALATION_IDENTIFIER_SYSTEM = 'http://liaison.health/fhir/identifier/escalation';
