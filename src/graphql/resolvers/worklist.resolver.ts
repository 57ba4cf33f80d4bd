import { UseFilters } from '@nestjs/common';
import { Args, Context, Info, Int, Parent, Query, ResolveField, Resolver } from '@nestjs/graphql';
import { CurrentPrincipal, RequireScope, type Principal } from '../../auth';
import { CoordinationReadsService } from '../coordination-reads.service';
import { FieldSelection, selectsPath } from '../field-selection';
import { GraphqlErrorFilter } from '../graphql-error.filter';
import { WorklistOrderValue } from '../types/enums.type';
import { taskObject } from '../types/task.type';
import { TaskConnectionObject, WorklistFilterInput } from '../types/worklist.type';

/** `worklist`: who has what to do, by when — a keyset-paged Relay connection of Tasks. */
@Resolver(() => TaskConnectionObject)
@UseFilters(GraphqlErrorFilter)
export class WorklistResolver {
  constructor(private readonly reads: CoordinationReadsService) {}

  @Query(() => TaskConnectionObject, {
    description: 'Tasks matching the filter (default: open work) in due-date or priority order, a page at a time',
  })
  @RequireScope('Task', 's')
  async worklist(
    @CurrentPrincipal() principal: Principal,
    @Context() context: object,
    @Args('filter', { type: () => WorklistFilterInput, nullable: true }) filter: WorklistFilterInput | undefined,
    @Args('orderBy', { type: () => WorklistOrderValue, defaultValue: WorklistOrderValue.DUE_DATE }) orderBy: WorklistOrderValue,
    @Args('first', { type: () => Int, defaultValue: 20, description: 'Page size, 1-100' }) first: number,
    @Info() info: FieldSelection,
    @Args('after', { nullable: true, description: 'The endCursor (or an edge cursor) of the page before' }) after?: string,
  ): Promise<TaskConnectionObject> {
    const asks = (field: string): boolean => selectsPath(info, ['edges', 'node', field]) || selectsPath(info, ['nodes', field]);
    const page = await this.reads.worklist(context, principal, {
      owner: filter?.owner ?? undefined,
      statuses: filter?.status ?? undefined,
      codes: filter?.code ?? undefined,
      priorities: filter?.priority ?? undefined,
      patientId: filter?.patient ?? undefined,
      dueBefore: filter?.dueBefore ?? undefined,
      dueAfter: filter?.dueAfter ?? undefined,
      overdue: filter?.overdue ?? undefined,
      order: orderBy,
      first,
      after: after ?? undefined,
      withPatients: asks('patient'),
      withCoverage: asks('coverage'),
    });
    const now = this.reads.nowMs();
    this.reads.loaders(context, principal).prime(page.rows.map((row) => row.task));
    const edges = page.rows.map((row) => ({ cursor: row.cursor, node: taskObject(row.task, now) }));
    return {
      edges,
      nodes: edges.map((edge) => edge.node),
      pageInfo: {
        hasNextPage: page.hasNextPage,
        hasPreviousPage: page.hasPreviousPage,
        startCursor: edges[0]?.cursor,
        endCursor: edges.at(-1)?.cursor,
      },
      count: page.count,
    };
  }

  @ResolveField(() => Int, { description: 'How many Tasks match the filter, over all pages' })
  totalCount(@Parent() connection: TaskConnectionObject): Promise<number> {
    return connection.count();
  }
}
