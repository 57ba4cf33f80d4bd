import { UseFilters, UseInterceptors } from '@nestjs/common';
import { Args, Context, ID, Int, Mutation, Query, ResolveField, Resolver } from '@nestjs/graphql';
import type { CarePlan, Coverage, Encounter, Patient, Resource, ServiceRequest, Task } from '@medplum/fhirtypes';
import { CurrentPrincipal, RequireScope, type Principal } from '../../auth';
import { CareActionsService } from '../care-actions.service';
import { contextPrincipal } from '../context-principal';
import { CoordinationReadsService } from '../coordination-reads.service';
import { GraphqlErrorFilter } from '../graphql-error.filter';
import { ReleaseReadsInterceptor } from '../release-reads.interceptor';
import { carePlanObject, CarePlanObject } from '../types/care-plan.type';
import { coverageObject, CoverageObject } from '../types/coverage.type';
import { encounterObject, EncounterObject } from '../types/encounter.type';
import { TaskStatusValue } from '../types/enums.type';
import { idOf } from '../types/fhir-datatypes.type';
import { OWNER_OBJECTS, TaskOwnerUnion } from '../types/owners.type';
import { patientObject, PatientObject } from '../types/patient.type';
import { serviceRequestObject, ServiceRequestObject } from '../types/service-request.type';
import { taskObject, TaskObject } from '../types/task.type';

const OWNER_TYPE = /^(Practitioner|Organization|CareTeam)\/([A-Za-z0-9\-.]{1,64})$/;

/** A Task, its actions, and what it points at (loaded in batches per request). */
@Resolver(() => TaskObject)
@UseFilters(GraphqlErrorFilter)
export class TaskResolver {
  constructor(
    private readonly reads: CoordinationReadsService,
    private readonly actions: CareActionsService,
  ) {}

  @Query(() => TaskObject, { nullable: true, description: 'A Task by id (NOT_FOUND when absent)' })
  @RequireScope('Task', 'r')
  async task(
    @CurrentPrincipal() principal: Principal,
    @Context() context: object,
    @Args('id', { type: () => ID }) id: string,
  ): Promise<TaskObject> {
    return taskObject(await this.reads.read<Task>(context, principal, 'Task', id), this.reads.nowMs());
  }

  @UseInterceptors(ReleaseReadsInterceptor)
  @Mutation(() => TaskObject, { description: 'Moves the Task to a status the Task state machine allows (CONFLICT otherwise)' })
  @RequireScope('Task', 'u')
  async transitionTask(
    @CurrentPrincipal() principal: Principal,
    @Args('id', { type: () => ID }) id: string,
    @Args('status', { type: () => TaskStatusValue }) status: TaskStatusValue,
    @Args('reason', { nullable: true, description: 'Required for CANCELLED, REJECTED and FAILED' }) reason?: string,
    @Args('expectedVersion', { type: () => Int, nullable: true, description: 'CONFLICT unless the Task is still at this version' })
    expectedVersion?: number,
  ): Promise<TaskObject> {
    const task = await this.actions.transitionTask(principal, id, status, reason ?? undefined, expectedVersion ?? undefined);
    return taskObject(task, this.reads.nowMs());
  }

  @UseInterceptors(ReleaseReadsInterceptor)
  @Mutation(() => TaskObject, { description: 'Assigns the Task; owner is a reference, e.g. "Practitioner/123"' })
  @RequireScope('Task', 'u')
  async assignTask(
    @CurrentPrincipal() principal: Principal,
    @Args('id', { type: () => ID }) id: string,
    @Args('owner') owner: string,
    @Args('expectedVersion', { type: () => Int, nullable: true }) expectedVersion?: number,
  ): Promise<TaskObject> {
    return taskObject(await this.actions.assignTask(principal, id, owner, expectedVersion ?? undefined), this.reads.nowMs());
  }

  @UseInterceptors(ReleaseReadsInterceptor)
  @Mutation(() => TaskObject, { description: 'Adds a note (also to finished Tasks)' })
  @RequireScope('Task', 'u')
  async addTaskNote(
    @CurrentPrincipal() principal: Principal,
    @Args('id', { type: () => ID }) id: string,
    @Args('text') text: string,
    @Args('expectedVersion', { type: () => Int, nullable: true }) expectedVersion?: number,
  ): Promise<TaskObject> {
    return taskObject(await this.actions.addTaskNote(principal, id, text, expectedVersion ?? undefined), this.reads.nowMs());
  }

  @UseInterceptors(ReleaseReadsInterceptor)
  @Mutation(() => TaskObject, { description: 'Moves the due date (a date-time with zone); clears overdue when it is ahead' })
  @RequireScope('Task', 'u')
  async rescheduleTask(
    @CurrentPrincipal() principal: Principal,
    @Args('id', { type: () => ID }) id: string,
    @Args('due') due: string,
    @Args('expectedVersion', { type: () => Int, nullable: true }) expectedVersion?: number,
  ): Promise<TaskObject> {
    return taskObject(await this.actions.rescheduleTask(principal, id, due, expectedVersion ?? undefined), this.reads.nowMs());
  }

  // The fields below resolve once per Task of a page: they take Mercurius's raw (parent, args,
  // context) and no parameter decorators, so Nest calls them directly (see contextPrincipal).

  @ResolveField(() => PatientObject, { nullable: true })
  async patient(task: TaskObject, _args: unknown, context: object): Promise<PatientObject | null> {
    const found = await this.reads.byId<Patient>(context, contextPrincipal(context), 'Patient', idOf(task.fhir.for, 'Patient'));
    return found ? patientObject(found) : null;
  }

  @ResolveField(() => TaskOwnerUnion, { nullable: true, description: 'The owner, when it is a Practitioner, Organization or CareTeam we hold' })
  async ownerResource(task: TaskObject, _args: unknown, context: object): Promise<object | null> {
    const match = OWNER_TYPE.exec(task.fhir.owner?.reference ?? '');
    if (!match) return null;
    const type = match[1] as keyof typeof OWNER_OBJECTS;
    const found = await this.reads.byId<Resource>(context, contextPrincipal(context), type, match[2]);
    return found ? OWNER_OBJECTS[type](found as never) : null;
  }

  @ResolveField(() => [CoverageObject], { description: "The patient's coverage in force now" })
  async coverage(task: TaskObject, _args: unknown, context: object): Promise<CoverageObject[]> {
    const patientId = idOf(task.fhir.for, 'Patient');
    if (!patientId) return [];
    const now = this.reads.nowMs();
    const coverages = await this.reads.referencing<Coverage>(context, contextPrincipal(context), 'Coverage', 'beneficiary', 'Patient', patientId);
    return coverages.map((c) => coverageObject(c, now)).filter((c) => c.active);
  }

  @ResolveField(() => CarePlanObject, { nullable: true, description: 'The CarePlan the Task is based on' })
  async carePlan(task: TaskObject, _args: unknown, context: object): Promise<CarePlanObject | null> {
    const id = (task.fhir.basedOn ?? []).map((ref) => idOf(ref, 'CarePlan')).find(Boolean);
    const found = await this.reads.byId<CarePlan>(context, contextPrincipal(context), 'CarePlan', id);
    return found ? carePlanObject(found) : null;
  }

  @ResolveField(() => EncounterObject, { nullable: true })
  async encounter(task: TaskObject, _args: unknown, context: object): Promise<EncounterObject | null> {
    const found = await this.reads.byId<Encounter>(context, contextPrincipal(context), 'Encounter', idOf(task.fhir.encounter, 'Encounter'));
    return found ? encounterObject(found) : null;
  }

  @ResolveField(() => ServiceRequestObject, { nullable: true, description: 'The referral (ServiceRequest) the Task is about (Task.focus)' })
  async referral(task: TaskObject, _args: unknown, context: object): Promise<ServiceRequestObject | null> {
    const found = await this.reads.byId<ServiceRequest>(context, contextPrincipal(context), 'ServiceRequest', idOf(task.fhir.focus, 'ServiceRequest'));
    return found ? serviceRequestObject(found) : null;
  }
}

