import { Injectable } from '@nestjs/common';
import type { CarePlan, CareTeam, Condition, Coverage, Encounter, Patient, Resource, ServiceRequest, Task } from '@medplum/fhirtypes';
import type { ExistingPlan } from '@liaison/protocols';
import type { EntityManager } from 'typeorm';
import { FhirReadService, FhirStore, type ReferencePath } from '../fhir';
import { refOf } from './resource-search';

/** What protocols look at about a patient, besides the event and the encounter. */
export interface PatientRecord {
  readonly patient: Patient;
  readonly coverages: readonly Coverage[];
  readonly conditions: readonly Condition[];
  readonly serviceRequests: readonly ServiceRequest[];
  readonly careTeams: readonly CareTeam[];
}

const OPEN_PLAN: ReadonlySet<CarePlan['status']> = new Set<CarePlan['status']>(['draft', 'active', 'on-hold']);

/** What points at a patient that the rules read: a patient's record and care plans, one statement. */
const PATIENT_PATHS: readonly ReferencePath[] = [
  { resourceType: 'Coverage', param: 'beneficiary' },
  { resourceType: 'Condition', param: 'subject' },
  { resourceType: 'ServiceRequest', param: 'subject' },
  { resourceType: 'CareTeam', param: 'subject' },
  { resourceType: 'CarePlan', param: 'subject' },
];

/** Which of a patient's plans the rules see: open ones, those of the encounter, or all. */
interface PlanSelection {
  readonly encounterRef?: string;
  readonly allPlans?: boolean;
}

function selectPlans(carePlans: readonly CarePlan[], selection: PlanSelection): CarePlan[] {
  return carePlans.filter(
    (plan) => selection.allPlans || OPEN_PLAN.has(plan.status) || (selection.encounterRef !== undefined && plan.encounter?.reference === selection.encounterRef),
  );
}

/** A patient's record and care plans, as read through `PATIENT_PATHS` (each list ordered by id). */
interface PatientReferences {
  readonly record: PatientRecord;
  readonly carePlans: readonly CarePlan[];
}

/**
 * Reads, in the caller's transaction, what the coordination rules decide on: a patient's
 * record, and plans with their Tasks and referrals.
 *
 * Every read is one statement of the FHIR module's read service (`FhirReadService`: by id, or
 * the resources whose search-index references point at some targets), run as named prepared
 * statements: a discharge reads its context in a fixed, small number of index lookups whose
 * plans do not depend on how many resources the tenant has (a FHIR search is parsed, planned
 * and paged on every call). Deleted resources are absent; results are ordered by id.
 */
@Injectable()
export class PlanContextReader {
  constructor(
    private readonly store: FhirStore,
    private readonly reads: FhirReadService,
  ) {}

  /** The patient's record, or undefined when the Patient does not exist (or was deleted). */
  async patientRecordIfAny(tx: EntityManager, tenantId: string, patientId: string): Promise<PatientRecord | undefined> {
    const [patient] = await this.byIds<Patient>(tx, tenantId, 'Patient', [patientId]);
    return patient && this.recordOf(tx, tenantId, patient);
  }

  /**
   * The patient's record and their plans the rules need (as `plansOfPatient` selects them), the
   * record and the plans found in one statement. `known`: the Patient as the caller wrote it in
   * this transaction (not read again); a missing (or deleted) Patient is a 404.
   */
  async patientWithPlans(
    tx: EntityManager,
    tenantId: string,
    patientId: string,
    options: PlanSelection & { known?: Patient } = {},
  ): Promise<{ record: PatientRecord; plans: ExistingPlan[] }> {
    const patient = options.known?.id === patientId ? options.known : ((await this.store.read(tx, tenantId, 'Patient', patientId)) as Patient);
    const { record, carePlans } = await this.referencesOf(tx, tenantId, patient);
    const plans = await this.withTasks(tx, tenantId, selectPlans(carePlans, options), record.serviceRequests);
    return { record, plans };
  }

  private async recordOf(tx: EntityManager, tenantId: string, patient: Patient): Promise<PatientRecord> {
    return (await this.referencesOf(tx, tenantId, patient)).record;
  }

  private async referencesOf(tx: EntityManager, tenantId: string, patient: Patient): Promise<PatientReferences> {
    const rows = await this.reads.referencingThrough(tx, tenantId, PATIENT_PATHS, 'Patient', [patient.id as string]);
    const ofType = <T extends Resource>(resourceType: T['resourceType']): T[] =>
      byId(rows.filter((row) => row.resource.resourceType === resourceType).map((row) => row.resource as T));
    return {
      record: {
        patient,
        coverages: ofType<Coverage>('Coverage'),
        conditions: ofType<Condition>('Condition'),
        serviceRequests: ofType<ServiceRequest>('ServiceRequest'),
        careTeams: ofType<CareTeam>('CareTeam').filter((team) => team.status === 'active'),
      },
      carePlans: ofType<CarePlan>('CarePlan'),
    };
  }

  /** The Encounter (404 when missing or deleted). `known`: as the caller wrote it in this transaction. */
  async encounter(tx: EntityManager, tenantId: string, encounterId: string, known?: Encounter): Promise<Encounter> {
    if (known?.id === encounterId) return known;
    return (await this.store.read(tx, tenantId, 'Encounter', encounterId)) as Encounter;
  }

  /**
   * The patient's plans the rules need: every plan of `encounterRef` (done ones included: they
   * say what was already done) and every open plan of the patient, each with its Tasks and the
   * ServiceRequests they are based on or focused on. `serviceRequests`: the patient's, when
   * already read.
   */
  async plansOfPatient(
    tx: EntityManager,
    tenantId: string,
    patientId: string,
    options: PlanSelection & { serviceRequests?: readonly ServiceRequest[] } = {},
  ): Promise<ExistingPlan[]> {
    const carePlans = selectPlans(await this.referencing<CarePlan>(tx, tenantId, 'CarePlan', 'subject', 'Patient', [patientId]), options);
    if (carePlans.length === 0) return [];
    const requests = options.serviceRequests ?? (await this.referencing<ServiceRequest>(tx, tenantId, 'ServiceRequest', 'subject', 'Patient', [patientId]));
    return this.withTasks(tx, tenantId, carePlans, requests);
  }

  /** The plans of an encounter (whatever their status), with Tasks and referrals. */
  async plansOfEncounter(tx: EntityManager, tenantId: string, encounterId: string): Promise<ExistingPlan[]> {
    const carePlans = await this.referencing<CarePlan>(tx, tenantId, 'CarePlan', 'encounter', 'Encounter', [encounterId]);
    if (carePlans.length === 0) return [];
    const requests = await this.referencing<ServiceRequest>(tx, tenantId, 'ServiceRequest', 'based-on', 'CarePlan', carePlans.map(idOf));
    return this.withTasks(tx, tenantId, carePlans, requests);
  }

  /** One plan with its Tasks and referrals (undefined when it does not exist or was deleted). */
  async plan(tx: EntityManager, tenantId: string, carePlanId: string): Promise<ExistingPlan | undefined> {
    const carePlans = await this.byIds<CarePlan>(tx, tenantId, 'CarePlan', [carePlanId]);
    if (carePlans.length === 0) return undefined;
    const requests = await this.referencing<ServiceRequest>(tx, tenantId, 'ServiceRequest', 'based-on', 'CarePlan', [carePlanId]);
    return (await this.withTasks(tx, tenantId, carePlans, requests))[0];
  }

  /** Resources by id (those that exist and are not deleted), in one statement, ordered by id. */
  async byIds<T extends Task | CarePlan | ServiceRequest | Patient | Encounter>(
    tx: EntityManager,
    tenantId: string,
    resourceType: T['resourceType'],
    ids: readonly string[],
  ): Promise<T[]> {
    if (ids.length === 0) return [];
    return byId((await this.reads.readMany(tx, tenantId, resourceType, ids)) as T[]);
  }

  /** The Tasks focused on a ServiceRequest (who works on a referral). */
  async tasksFocusedOn(tx: EntityManager, tenantId: string, serviceRequestId: string): Promise<Task[]> {
    return this.referencing<Task>(tx, tenantId, 'Task', 'focus', 'ServiceRequest', [serviceRequestId]);
  }

  private async withTasks(
    tx: EntityManager,
    tenantId: string,
    carePlans: readonly CarePlan[],
    requests: readonly ServiceRequest[],
  ): Promise<ExistingPlan[]> {
    if (carePlans.length === 0) return [];
    const tasks = await this.referencing<Task>(tx, tenantId, 'Task', 'based-on', 'CarePlan', carePlans.map(idOf));
    return carePlans.map((carePlan) => {
      const planRef = refOf(carePlan);
      const activityRefs = new Set((carePlan.activity ?? []).map((activity) => activity.reference?.reference));
      const planTasks = tasks.filter((task) => (task.basedOn ?? []).some((ref) => ref.reference === planRef) || activityRefs.has(refOf(task)));
      const focused = new Set(planTasks.map((task) => task.focus?.reference));
      const serviceRequests = requests.filter(
        (request) =>
          (request.basedOn ?? []).some((ref) => ref.reference === planRef) || focused.has(refOf(request)) || activityRefs.has(refOf(request)),
      );
      return { carePlan, tasks: planTasks, serviceRequests };
    });
  }

  /**
   * The live `sourceType` resources whose `param` points at one of `targetType`/`targetIds`
   * (one statement; a resource pointing at several targets comes once), ordered by id.
   */
  private async referencing<T extends Resource>(
    tx: EntityManager,
    tenantId: string,
    sourceType: T['resourceType'],
    param: string,
    targetType: string,
    targetIds: readonly string[],
  ): Promise<T[]> {
    if (targetIds.length === 0) return [];
    const rows = await this.reads.referencing(tx, tenantId, sourceType, [param], targetType, targetIds);
    return byId(rows.map((row) => row.resource as T));
  }
}

function idOf(resource: Resource): string {
  return resource.id as string;
}

/** Without duplicates, ordered by id (the order FHIR search gave, which the rules' outputs follow). */
function byId<T extends Resource>(resources: readonly T[]): T[] {
  const unique = new Map<string, T>();
  for (const resource of resources) unique.set(resource.id as string, resource);
  return [...unique.values()].sort((a, b) => ((a.id as string) < (b.id as string) ? -1 : (a.id as string) > (b.id as string) ? 1 : 0));
}
