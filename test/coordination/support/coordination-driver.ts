import type { CarePlan, Coverage, Encounter, Patient, Resource, ServiceRequest, Task } from '@medplum/fhirtypes';
import { DataSource, EntityManager } from 'typeorm';
import type { Principal } from '../../../src/auth';
import { CoordinationService, TaskSweepJob } from '../../../src/coordination';
import type { CoordinationEventInput } from '../../../src/coordination';
import { FhirStore } from '../../../src/fhir';
import { inTenant } from '../../../src/platform/database/tenant-scope';
import { ensureTestTenant } from '../../harness/auth';
import type { TestApp } from '../../harness/test-app';
import { fhirClient, FhirTestClient } from '../../fhir/support/fhir-clients';

export const TASK_CODE = 'http://liaison.health/fhir/CodeSystem/task-code';
export const PD = (id: string): string => `http://liaison.health/fhir/PlanDefinition/${id}`;

export const codeOf = (task: Task): string | undefined => task.code?.coding?.find((c) => c.system === TASK_CODE)?.code;

/** One line per Task: code | status | due | priority | owner (sorted), to compare whole plans at a glance. */
export function summary(tasks: readonly Task[]): string[] {
  return tasks.map((t) => [codeOf(t), t.status, t.restriction?.period?.end, t.priority, t.owner?.reference].join(' | ')).sort();
}

export function patient(id: string): Patient {
  return {
    resourceType: 'Patient',
    id,
    identifier: [{ system: 'urn:oid:2.16.840.1.113883.3.0001', value: `MRN-${id}` }],
    name: [{ family: 'Rivera', given: ['Ana'] }],
    birthDate: '1948-03-02',
  };
}

export interface EncounterOptions {
  readonly status?: Encounter['status'];
  readonly start?: string;
  readonly end?: string;
  /** PV1-36 (table 0112 / NUBC). */
  readonly disposition?: string;
  readonly class?: string;
}

export function encounter(id: string, patientId: string, options: EncounterOptions = {}): Encounter {
  const result: Encounter = {
    resourceType: 'Encounter',
    id,
    status: options.status ?? (options.end ? 'finished' : 'in-progress'),
    class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: options.class ?? 'IMP' },
    subject: { reference: `Patient/${patientId}` },
    period: { start: options.start ?? '2026-11-20T10:00:00-05:00', ...(options.end && { end: options.end }) },
  };
  if (options.disposition) {
    result.hospitalization = {
      dischargeDisposition: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0112', code: options.disposition }] },
    };
  }
  return result;
}

export function coverage(id: string, patientId: string, status: Coverage['status'] = 'active', period: Coverage['period'] = { start: '2026-01-01' }): Coverage {
  return {
    resourceType: 'Coverage',
    id,
    status,
    beneficiary: { reference: `Patient/${patientId}` },
    payor: [{ reference: 'Organization/payer-1' }],
    subscriberId: `W-${patientId}`,
    period,
  };
}

/** What an ADT message asks: resources to write (as ingest would, through the store) and the event to raise. */
export interface InboundEvent {
  readonly kind: CoordinationEventInput['kind'];
  readonly occurredAt: string;
  readonly patientId: string;
  readonly encounterId?: string;
  readonly mergedPatientId?: string;
  readonly writes?: readonly Resource[];
  readonly source?: string;
}

/**
 * Plays the ingest's part against the real app: in one tenant transaction, writes the message's
 * resources through FhirStore (create-on-update with their ids) and calls
 * `CoordinationService.handleEvent`, then commits. Reads go over FHIR REST like a user's.
 */
export class CoordinationDriver {
  readonly store: FhirStore;
  readonly coordination: CoordinationService;
  readonly sweep: TaskSweepJob;
  readonly db: DataSource;
  readonly principal: Principal;

  private constructor(
    readonly service: TestApp,
    readonly client: FhirTestClient,
  ) {
    this.store = service.app.get(FhirStore);
    this.coordination = service.app.get(CoordinationService);
    this.sweep = service.app.get(TaskSweepJob);
    this.db = service.app.get(DataSource);
    this.principal = { clientId: 'test-ingest', tenantId: client.tenantId, scopes: ['system/*.*'] };
  }

  static async create(service: TestApp, tenant = 'default'): Promise<CoordinationDriver> {
    await ensureTestTenant(service, tenant);
    return new CoordinationDriver(service, await fhirClient(service, { tenant }));
  }

  tx<T>(work: (tx: EntityManager) => Promise<T>): Promise<T> {
    return inTenant(this.db, this.client.tenantId, work);
  }

  async receive(event: InboundEvent): Promise<void> {
    await this.tx(async (tx) => {
      for (const resource of event.writes ?? []) await this.store.update(tx, this.principal, resource);
      await this.coordination.handleEvent(tx, this.principal, {
        kind: event.kind,
        occurredAt: event.occurredAt,
        patientId: event.patientId,
        encounterId: event.encounterId,
        mergedPatientId: event.mergedPatientId,
        source: event.source ?? 'urn:liaison:test',
      });
    });
  }

  /** GET over FHIR REST; the resources of a searchset. */
  async search<T extends Resource>(path: string): Promise<T[]> {
    const response = await this.client.http(path);
    if (response.status !== 200) throw new Error(`GET ${path} answered ${response.status}: ${await response.text()}`);
    const bundle = (await response.json()) as { entry?: { resource: T; search?: { mode: string } }[] };
    return (bundle.entry ?? []).filter((e) => e.search?.mode !== 'outcome' && e.search?.mode !== 'include').map((e) => e.resource);
  }

  async read<T extends Resource>(type: T['resourceType'], id: string): Promise<T> {
    const response = await this.client.http(`/${type}/${id}`);
    if (response.status !== 200) throw new Error(`GET ${type}/${id} answered ${response.status}`);
    return (await response.json()) as T;
  }

  /** The encounter's plans and everything in them, over FHIR. */
  async plansOf(encounterId: string): Promise<{ carePlans: CarePlan[]; tasks: Task[]; serviceRequests: ServiceRequest[] }> {
    const carePlans = await this.search<CarePlan>(`/CarePlan?encounter=Encounter/${encounterId}&_count=100`);
    const basedOn = carePlans.map((p) => `CarePlan/${p.id}`).join(',');
    const tasks = basedOn ? await this.search<Task>(`/Task?based-on=${basedOn}&_count=1000`) : [];
    const serviceRequests = basedOn ? await this.search<ServiceRequest>(`/ServiceRequest?based-on=${basedOn}&_count=1000`) : [];
    return { carePlans, tasks, serviceRequests };
  }

  /** A plan of the encounter by its event kind (`encounter.discharged` …), with its Tasks. */
  async plan(encounterId: string, kind: string): Promise<{ carePlan: CarePlan; tasks: Task[]; serviceRequests: ServiceRequest[] }> {
    const all = await this.plansOf(encounterId);
    const carePlans = all.carePlans.filter((p) => p.category?.[0]?.coding?.[0]?.code === kind);
    if (carePlans.length !== 1) throw new Error(`expected one ${kind} plan of Encounter/${encounterId}, found ${carePlans.length}`);
    const [carePlan] = carePlans;
    const ref = `CarePlan/${carePlan.id}`;
    return {
      carePlan,
      tasks: all.tasks.filter((t) => t.basedOn?.some((b) => b.reference === ref)),
      serviceRequests: all.serviceRequests.filter((s) => s.basedOn?.some((b) => b.reference === ref)),
    };
  }

  /** PUT a new version over FHIR REST (status and body of the answer). */
  async put(resource: Resource): Promise<{ status: number; body: Record<string, unknown> }> {
    const response = await this.client.http(`/${resource.resourceType}/${resource.id}`, { method: 'PUT', body: JSON.stringify(resource) });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  }

  /** Current version numbers of every resource of the tenant, by `Type/id` (to see that nothing changed). */
  async versions(): Promise<Record<string, number>> {
    const rows = await this.service.sql(`SELECT resource_type, id, version_id FROM fhir_resources WHERE tenant_id = $1`, [this.client.tenantId]);
    return Object.fromEntries(rows.map((r) => [`${r.resource_type}/${r.id}`, r.version_id as number]));
  }
}
