import { UseFilters, UseInterceptors } from '@nestjs/common';
import { Args, Context, Info, Int, Mutation, Parent, Query, ResolveField, Resolver } from '@nestjs/graphql';
import type { GraphQLResolveInfo } from 'graphql';
import type { Patient, Task } from '@medplum/fhirtypes';
import { referralState } from '@liaison/task-workflow';
import { CurrentPrincipal, RequireScope, type Principal } from '../../auth';
import { CareActionsService } from '../care-actions.service';
import { CoordinationReadsService } from '../coordination-reads.service';
import { GraphqlErrorFilter } from '../graphql-error.filter';
import { ReleaseReadsInterceptor } from '../release-reads.interceptor';
import { ReferralStateValue } from '../types/enums.type';
import { idOf } from '../types/fhir-datatypes.type';
import { CreateReferralInput, CreateReferralPayload } from '../types/inputs.type';
import { patientObject, PatientObject } from '../types/patient.type';
import { serviceRequestObject, ServiceRequestObject } from '../types/service-request.type';
import { taskObject, TaskObject } from '../types/task.type';
import { ReferralFilterInput, ServiceRequestConnectionObject } from '../types/worklist.type';

/** Referrals (ServiceRequests): lists, creation with the performer's Task, and where each stands. */
@Resolver(() => ServiceRequestObject)
@UseFilters(GraphqlErrorFilter)
export class ReferralResolver {
  constructor(
    private readonly reads: CoordinationReadsService,
    private readonly actions: CareActionsService,
  ) {}

  @Query(() => ServiceRequestConnectionObject, { description: 'Referrals, newest first' })
  @RequireScope('ServiceRequest', 's')
  async referrals(
    @CurrentPrincipal() principal: Principal,
    @Context() context: object,
    @Args('filter', { type: () => ReferralFilterInput, nullable: true }) filter: ReferralFilterInput | undefined,
    @Args('first', { type: () => Int, defaultValue: 20 }) first: number,
    @Info() info: GraphQLResolveInfo,
    @Args('after', { nullable: true }) after?: string,
  ): Promise<ServiceRequestConnectionObject> {
    // Counting costs a query: only when asked for.
    const withTotal = info.fieldNodes.some((node) =>
      node.selectionSet?.selections.some((selection) => selection.kind === 'Field' && selection.name.value === 'totalCount'),
    );
    const page = await this.reads.referrals(
      context,
      principal,
      { patient: filter?.patient ?? undefined, status: filter?.status ?? undefined, performer: filter?.performer ?? undefined },
      { first, after: after ?? undefined, withTotal },
    );
    const nodes = page.resources.map(serviceRequestObject);
    // A search page continues from its last row: every edge of the page carries the page's cursor.
    const edges = nodes.map((node) => ({ cursor: page.nextCursor ?? '', node }));
    return {
      edges,
      nodes,
      pageInfo: { hasNextPage: !!page.nextCursor, hasPreviousPage: !!after, endCursor: page.nextCursor },
      totalCount: page.total,
    };
  }

  @UseInterceptors(ReleaseReadsInterceptor)
  @Mutation(() => CreateReferralPayload, { description: 'Refers a patient: a ServiceRequest and a Task for the performer to accept or reject' })
  @RequireScope('ServiceRequest', 'c')
  @RequireScope('Task', 'c')
  async createReferral(@CurrentPrincipal() principal: Principal, @Args('input') input: CreateReferralInput): Promise<CreateReferralPayload> {
    const made = await this.actions.createReferral(principal, {
      patientId: input.patientId,
      code: input.code,
      performer: input.performer,
      due: input.due,
      priority: input.priority ?? undefined,
      note: input.note ?? undefined,
      encounterId: input.encounterId ?? undefined,
      carePlanId: input.carePlanId ?? undefined,
    });
    return { serviceRequest: serviceRequestObject(made.serviceRequest), task: taskObject(made.task, this.reads.nowMs()) };
  }

  @ResolveField(() => PatientObject, { nullable: true })
  async patient(@Parent() request: ServiceRequestObject, @CurrentPrincipal() principal: Principal, @Context() context: object): Promise<PatientObject | null> {
    const found = await this.reads.byId<Patient>(context, principal, 'Patient', idOf(request.fhir.subject, 'Patient'));
    return found ? patientObject(found) : null;
  }

  @ResolveField(() => [TaskObject], { description: 'The Tasks focused on it (the performer\'s, and any "find another performer" work)' })
  async tasks(@Parent() request: ServiceRequestObject, @CurrentPrincipal() principal: Principal, @Context() context: object): Promise<TaskObject[]> {
    const now = this.reads.nowMs();
    return (await this.fulfilling(request, principal, context)).map((task) => taskObject(task, now));
  }

  @ResolveField(() => ReferralStateValue)
  async state(@Parent() request: ServiceRequestObject, @CurrentPrincipal() principal: Principal, @Context() context: object): Promise<ReferralStateValue> {
    return referralState(request.fhir, await this.fulfilling(request, principal, context)) as ReferralStateValue;
  }

  private fulfilling(request: ServiceRequestObject, principal: Principal, context: object): Promise<Task[]> {
    return this.reads.referencing<Task>(context, principal, 'Task', 'focus', 'ServiceRequest', request.id);
  }
}
