import { UseFilters } from '@nestjs/common';
import { Args, Context, ID, Int, Parent, Query, ResolveField, Resolver } from '@nestjs/graphql';
import type { CarePlan, Coverage, Encounter, Patient, Task } from '@medplum/fhirtypes';
import { isCoverageActive } from '@liaison/care-views';
import { isOpenStatus, taskDueAt } from '@liaison/task-workflow';
import { assertScope, CurrentPrincipal, RequireScope, type Principal } from '../../auth';
import { CoordinationReadsService } from '../coordination-reads.service';
import { GraphqlErrorFilter } from '../graphql-error.filter';
import { carePlanObject, CarePlanObject } from '../types/care-plan.type';
import { coverageObject, CoverageObject } from '../types/coverage.type';
import { encounterObject, EncounterObject } from '../types/encounter.type';
import { patientObject, PatientObject } from '../types/patient.type';
import { taskObject, TaskObject } from '../types/task.type';
import { TimelineEntryObject } from '../types/timeline.type';

/** Newest first by a FHIR date (absent last). */
function newestFirst(a: string | undefined, b: string | undefined): number {
  return (b ? Date.parse(b) : -Infinity) - (a ? Date.parse(a) : -Infinity) || 0;
}

/** A patient and everything about them: encounters, plans, open work, coverage, timeline. */
@Resolver(() => PatientObject)
@UseFilters(GraphqlErrorFilter)
export class PatientResolver {
  constructor(private readonly reads: CoordinationReadsService) {}

  @Query(() => PatientObject, { nullable: true, description: 'A Patient by id (NOT_FOUND when absent)' })
  @RequireScope('Patient', 'r')
  async patient(
    @CurrentPrincipal() principal: Principal,
    @Context() context: object,
    @Args('id', { type: () => ID }) id: string,
  ): Promise<PatientObject> {
    return patientObject(await this.reads.read<Patient>(context, principal, 'Patient', id));
  }

  @Query(() => [PatientObject], { description: 'Patients by name (any name part starting with it) and/or identifier (system|value or value)' })
  @RequireScope('Patient', 's')
  searchPatients(
    @CurrentPrincipal() principal: Principal,
    @Context() context: object,
    @Args('name', { nullable: true }) name?: string,
    @Args('identifier', { nullable: true }) identifier?: string,
    @Args('first', { type: () => Int, defaultValue: 20 }) first = 20,
  ): Promise<PatientObject[]> {
    return this.reads.searchPatients(context, principal, name ?? undefined, identifier ?? undefined, first);
  }

  @ResolveField(() => [EncounterObject], { description: 'Newest first' })
  async encounters(@Parent() patient: PatientObject, @CurrentPrincipal() principal: Principal, @Context() context: object): Promise<EncounterObject[]> {
    const encounters = await this.reads.referencing<Encounter>(context, principal, 'Encounter', 'subject', 'Patient', patient.id);
    return encounters.sort((a, b) => newestFirst(a.period?.start, b.period?.start)).map(encounterObject);
  }

  @ResolveField(() => [CarePlanObject], { description: 'Care plans in progress (status active)' })
  async activeCarePlans(@Parent() patient: PatientObject, @CurrentPrincipal() principal: Principal, @Context() context: object): Promise<CarePlanObject[]> {
    const plans = await this.reads.referencing<CarePlan>(context, principal, 'CarePlan', 'subject', 'Patient', patient.id);
    return plans
      .filter((plan) => plan.status === 'active')
      .sort((a, b) => newestFirst(a.created ?? a.meta?.lastUpdated, b.created ?? b.meta?.lastUpdated))
      .map(carePlanObject);
  }

  @ResolveField(() => [TaskObject], { description: 'Work not finished (scheduled reminders included), earliest due first' })
  async openTasks(@Parent() patient: PatientObject, @CurrentPrincipal() principal: Principal, @Context() context: object): Promise<TaskObject[]> {
    const tasks = await this.reads.referencing<Task>(context, principal, 'Task', 'patient', 'Patient', patient.id);
    const now = this.reads.nowMs();
    return tasks
      .filter((task) => isOpenStatus(task.status))
      .sort((a, b) => (taskDueAt(a) ?? Infinity) - (taskDueAt(b) ?? Infinity) || a.id!.localeCompare(b.id!))
      .map((task) => taskObject(task, now));
  }

  @ResolveField(() => [CoverageObject], { description: 'Coverage in force now, or all of it with activeOnly: false' })
  async coverage(
    @Parent() patient: PatientObject,
    @CurrentPrincipal() principal: Principal,
    @Context() context: object,
    @Args('activeOnly', { defaultValue: true }) activeOnly: boolean,
  ): Promise<CoverageObject[]> {
    const now = this.reads.nowMs();
    const coverages = await this.reads.referencing<Coverage>(context, principal, 'Coverage', 'beneficiary', 'Patient', patient.id);
    return coverages.filter((c) => !activeOnly || isCoverageActive(c, now)).map((c) => coverageObject(c, now));
  }

  @ResolveField(() => [TimelineEntryObject], {
    description: 'What happened, newest first: every stored version of the patient and of their encounters, care plans, tasks, referrals and coverage',
  })
  timeline(
    @Parent() patient: PatientObject,
    @CurrentPrincipal() principal: Principal,
    @Context() context: object,
    @Args('first', { type: () => Int, defaultValue: 50, description: '1-500' }) first: number,
  ): Promise<TimelineEntryObject[]> {
    for (const type of ['Patient', 'Encounter', 'CarePlan', 'Task', 'ServiceRequest', 'Coverage']) assertScope(principal, type, 'r');
    return this.reads.timeline(context, principal, patient.id, first);
  }
}
