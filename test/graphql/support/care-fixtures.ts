import type { Bundle, CarePlan, Coverage, Encounter, Patient, Practitioner, Resource, Task } from '@medplum/fhirtypes';
import type { FhirTestClient } from '../../fhir/support/fhir-clients';

export const TASK_PROFILE = 'http://liaison.health/fhir/StructureDefinition/liaison-task';
export const TASK_CODES = 'http://liaison.health/fhir/CodeSystem/task-code';
export const BUSINESS_STATUS = 'http://liaison.health/fhir/CodeSystem/task-business-status';

export function patient(id: string, family: string, given: string, mrn = `MRN-${id}`): Patient {
  return {
    resourceType: 'Patient',
    id,
    identifier: [{ system: 'urn:oid:2.16.840.1.113883.19.5', value: mrn }],
    name: [{ use: 'official', family, given: [given] }],
    gender: 'female',
    birthDate: '1950-03-04',
  };
}

export function practitioner(id: string, family: string, given: string): Practitioner {
  return { resourceType: 'Practitioner', id, name: [{ family, given: [given] }] };
}

export function coverage(id: string, patientId: string, extra: Partial<Coverage> = {}): Coverage {
  return {
    resourceType: 'Coverage',
    id,
    status: 'active',
    beneficiary: { reference: `Patient/${patientId}` },
    payor: [{ reference: 'Organization/acme-health', display: 'Acme Health' }],
    period: { start: '2026-01-01' },
    ...extra,
  };
}

export function encounter(id: string, patientId: string, extra: Partial<Encounter> = {}): Encounter {
  return {
    resourceType: 'Encounter',
    id,
    status: 'finished',
    class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'IMP' },
    subject: { reference: `Patient/${patientId}` },
    period: { start: '2026-11-20T08:00:00-05:00', end: '2026-11-26T11:00:00-05:00' },
    ...extra,
  };
}

export function carePlan(id: string, patientId: string, taskIds: readonly string[], extra: Partial<CarePlan> = {}): CarePlan {
  return {
    resourceType: 'CarePlan',
    id,
    status: 'active',
    intent: 'plan',
    subject: { reference: `Patient/${patientId}` },
    activity: taskIds.map((taskId) => ({ reference: { reference: `Task/${taskId}` } })),
    ...extra,
  };
}

export interface TaskSpec {
  readonly id: string;
  readonly patientId: string;
  readonly owner?: string;
  readonly status?: Task['status'];
  readonly code?: string;
  readonly due: string;
  readonly priority?: Task['priority'];
  readonly overdueMarked?: boolean;
  readonly carePlanId?: string;
  readonly extra?: Partial<Task>;
}

/** A coordination Task as the engine writes it (profiled, so the store validates it fully). */
export function task(spec: TaskSpec): Task {
  return {
    resourceType: 'Task',
    id: spec.id,
    meta: { profile: [TASK_PROFILE] },
    status: spec.status ?? 'requested',
    intent: 'order',
    priority: spec.priority ?? 'routine',
    code: { coding: [{ system: TASK_CODES, code: spec.code ?? 'post-discharge-contact' }] },
    for: { reference: `Patient/${spec.patientId}` },
    ...(spec.owner && { owner: { reference: spec.owner } }),
    ...(spec.carePlanId && { basedOn: [{ reference: `CarePlan/${spec.carePlanId}` }] }),
    ...(spec.overdueMarked && { businessStatus: { coding: [{ system: BUSINESS_STATUS, code: 'overdue' }] } }),
    ...(['cancelled', 'rejected', 'failed'].includes(spec.status ?? '') && { statusReason: { text: 'test' } }),
    authoredOn: '2026-11-01T12:00:00-05:00',
    restriction: { period: { end: spec.due } },
    ...spec.extra,
  };
}

/** Writes resources with their ids through one FHIR transaction (PUT entries), over HTTP. */
export async function put(fhir: FhirTestClient, resources: readonly Resource[]): Promise<Bundle> {
  const bundle: Bundle = {
    resourceType: 'Bundle',
    type: 'transaction',
    entry: resources.map((resource) => ({
      resource,
      request: { method: 'PUT', url: `${resource.resourceType}/${resource.id}` },
    })),
  };
  const response = await fhir.http('', { method: 'POST', body: JSON.stringify(bundle) });
  const body = (await response.json()) as Bundle;
  if (response.status !== 200) throw new Error(`transaction answered ${response.status}: ${JSON.stringify(body).slice(0, 2000)}`);
  return body;
}

/** Reads a resource back over FHIR REST. */
export async function read<T extends Resource>(fhir: FhirTestClient, type: T['resourceType'], id: string): Promise<T> {
  const response = await fhir.http(`/${type}/${id}`);
  if (response.status !== 200) throw new Error(`GET ${type}/${id} answered ${response.status}`);
  return (await response.json()) as T;
}
