import { UseFilters } from '@nestjs/common';
import { Args, Context, ID, Parent, Query, ResolveField, Resolver } from '@nestjs/graphql';
import type { CarePlan, Encounter, Patient, Task } from '@medplum/fhirtypes';
import { CurrentPrincipal, RequireScope, type Principal } from '../../auth';
import { CoordinationReadsService } from '../coordination-reads.service';
import { GraphqlErrorFilter } from '../graphql-error.filter';
import { carePlanObject, CarePlanObject } from '../types/care-plan.type';
import { encounterObject, EncounterObject } from '../types/encounter.type';
import { idOf } from '../types/fhir-datatypes.type';
import { patientObject, PatientObject } from '../types/patient.type';
import { taskObject, TaskObject } from '../types/task.type';

/** A CarePlan, its patient, encounter and Tasks. */
@Resolver(() => CarePlanObject)
@UseFilters(GraphqlErrorFilter)
export class CarePlanResolver {
  constructor(private readonly reads: CoordinationReadsService) {}

  @Query(() => CarePlanObject, { nullable: true, description: 'A CarePlan by id (NOT_FOUND when absent)' })
  @RequireScope('CarePlan', 'r')
  async carePlan(
    @CurrentPrincipal() principal: Principal,
    @Context() context: object,
    @Args('id', { type: () => ID }) id: string,
  ): Promise<CarePlanObject> {
    return carePlanObject(await this.reads.read<CarePlan>(context, principal, 'CarePlan', id));
  }

  @ResolveField(() => PatientObject, { nullable: true })
  async patient(@Parent() plan: CarePlanObject, @CurrentPrincipal() principal: Principal, @Context() context: object): Promise<PatientObject | null> {
    const found = await this.reads.byId<Patient>(context, principal, 'Patient', idOf(plan.fhir.subject, 'Patient'));
    return found ? patientObject(found) : null;
  }

  @ResolveField(() => EncounterObject, { nullable: true })
  async encounter(@Parent() plan: CarePlanObject, @CurrentPrincipal() principal: Principal, @Context() context: object): Promise<EncounterObject | null> {
    const found = await this.reads.byId<Encounter>(context, principal, 'Encounter', idOf(plan.fhir.encounter, 'Encounter'));
    return found ? encounterObject(found) : null;
  }

  @ResolveField(() => [TaskObject], { description: 'Its Tasks: those its activities reference and those based on it, in activity order' })
  async tasks(@Parent() plan: CarePlanObject, @CurrentPrincipal() principal: Principal, @Context() context: object): Promise<TaskObject[]> {
    const activityIds = (plan.fhir.activity ?? []).map((activity) => idOf(activity.reference, 'Task')).filter((id): id is string => !!id);
    const [basedOn, referenced] = await Promise.all([
      this.reads.referencing<Task>(context, principal, 'Task', 'based-on', 'CarePlan', plan.id),
      Promise.all(activityIds.map((id) => this.reads.byId<Task>(context, principal, 'Task', id))),
    ]);
    const byId = new Map<string, Task>();
    for (const task of [...referenced, ...basedOn]) if (task?.id && !byId.has(task.id)) byId.set(task.id, task);
    const now = this.reads.nowMs();
    return [...byId.values()].map((task) => taskObject(task, now));
  }
}
