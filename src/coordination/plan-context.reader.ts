import { Injectable } from '@nestjs/common';
import type { CarePlan, CareTeam, Condition, Coverage, Encounter, Patient, ServiceRequest, Task } from '@medplum/fhirtypes';
import type { ExistingPlan } from '@liaison/protocols';
import type { EntityManager } from 'typeorm';
import { FhirSearchService, FhirStore } from '../fhir';
import { refOf, searchAll, searchAny } from './resource-search';

/** What protocols look at about a patient, besides the event and the encounter. */
export interface PatientRecord {
  readonly patient: Patient;
  readonly coverages: readonly Coverage[];
  readonly conditions: readonly Condition[];
  readonly serviceRequests: readonly ServiceRequest[];
  readonly careTeams: readonly CareTeam[];
}

const OPEN_PLAN: ReadonlySet<CarePlan['status']> = new Set<CarePlan['status']>(['draft', 'active', 'on-hold']);

/**
 * Reads, in the caller's transaction and through the store's reads and search, what the
 * coordination rules decide on: a patient's record, and plans with their Tasks and referrals.
 */
@Injectable()
export class PlanContextReader {
  constructor(
    private readonly store: FhirStore,
    private readonly search: FhirSearchService,
  ) {}

  /** The patient's record; a missing (or deleted) Patient is a 404 OperationOutcomeError. */
  async patientRecord(tx: EntityManager, tenantId: string, patientId: string): Promise<PatientRecord> {
    const patient = (await this.store.read(tx, tenantId, 'Patient', patientId)) as Patient;
    return this.recordOf(tx, tenantId, patient);
  }

  /** The patient's record, or undefined when the Patient does not exist (or was deleted). */
  async patientRecordIfAny(tx: EntityManager, tenantId: string, patientId: string): Promise<PatientRecord | undefined> {
    const [patient] = await this.byIds<Patient>(tx, tenantId, 'Patient', [patientId]);
    return patient && this.recordOf(tx, tenantId, patient);
  }

  private async recordOf(tx: EntityManager, tenantId: string, patient: Patient): Promise<PatientRecord> {
    const patientId = patient.id as string;
    const subject = [`Patient/${patientId}`];
    const [coverages, conditions, serviceRequests, careTeams] = [
      await searchAll<Coverage>(this.search, tx, tenantId, 'Coverage', { beneficiary: subject }),
      await searchAll<Condition>(this.search, tx, tenantId, 'Condition', { subject }),
      await searchAll<ServiceRequest>(this.search, tx, tenantId, 'ServiceRequest', { subject }),
      await searchAll<CareTeam>(this.search, tx, tenantId, 'CareTeam', { subject, status: ['active'] }),
    ];
    return { patient, coverages, conditions, serviceRequests, careTeams };
  }

  async encounter(tx: EntityManager, tenantId: string, encounterId: string): Promise<Encounter> {
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
    options: { encounterRef?: string; allPlans?: boolean; serviceRequests?: readonly ServiceRequest[] } = {},
  ): Promise<ExistingPlan[]> {
    const carePlans = (await searchAll<CarePlan>(this.search, tx, tenantId, 'CarePlan', { subject: [`Patient/${patientId}`] })).filter(
      (plan) => options.allPlans || OPEN_PLAN.has(plan.status) || (options.encounterRef !== undefined && plan.encounter?.reference === options.encounterRef),
    );
    const requests =
      options.serviceRequests ??
      (carePlans.length > 0 ? await searchAll<ServiceRequest>(this.search, tx, tenantId, 'ServiceRequest', { subject: [`Patient/${patientId}`] }) : []);
    return this.withTasks(tx, tenantId, carePlans, requests);
  }

  /** The plans of an encounter (whatever their status), with Tasks and referrals. */
  async plansOfEncounter(tx: EntityManager, tenantId: string, encounterId: string): Promise<ExistingPlan[]> {
    const carePlans = await searchAll<CarePlan>(this.search, tx, tenantId, 'CarePlan', { encounter: [`Encounter/${encounterId}`] });
    const requests =
      carePlans.length > 0
        ? await searchAny<ServiceRequest>(this.search, tx, tenantId, 'ServiceRequest', 'based-on', carePlans.map(refOf))
        : [];
    return this.withTasks(tx, tenantId, carePlans, requests);
  }

  /** One plan with its Tasks and referrals (undefined when it does not exist or was deleted). */
  async plan(tx: EntityManager, tenantId: string, carePlanId: string): Promise<ExistingPlan | undefined> {
    const carePlans = await searchAll<CarePlan>(this.search, tx, tenantId, 'CarePlan', { _id: [carePlanId] });
    if (carePlans.length === 0) return undefined;
    const requests = await searchAll<ServiceRequest>(this.search, tx, tenantId, 'ServiceRequest', { 'based-on': [`CarePlan/${carePlanId}`] });
    return (await this.withTasks(tx, tenantId, carePlans, requests))[0];
  }

  /** Resources by id (those that exist and are not deleted), in one search. */
  async byIds<T extends Task | CarePlan | ServiceRequest | Patient | Encounter>(
    tx: EntityManager,
    tenantId: string,
    resourceType: T['resourceType'],
    ids: readonly string[],
  ): Promise<T[]> {
    return searchAny<T>(this.search, tx, tenantId, resourceType, '_id', ids);
  }

  /** The Tasks focused on a ServiceRequest (who works on a referral). */
  async tasksFocusedOn(tx: EntityManager, tenantId: string, serviceRequestId: string): Promise<Task[]> {
    return searchAll<Task>(this.search, tx, tenantId, 'Task', { focus: [`ServiceRequest/${serviceRequestId}`] });
  }

  private async withTasks(
    tx: EntityManager,
    tenantId: string,
    carePlans: readonly CarePlan[],
    requests: readonly ServiceRequest[],
  ): Promise<ExistingPlan[]> {
    if (carePlans.length === 0) return [];
    const tasks = await searchAny<Task>(this.search, tx, tenantId, 'Task', 'based-on', carePlans.map(refOf));
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
}
