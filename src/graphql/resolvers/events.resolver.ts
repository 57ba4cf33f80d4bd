import { UseFilters } from '@nestjs/common';
import { Args, Context, ID, Resolver, Subscription } from '@nestjs/graphql';
import { CurrentPrincipal, RequireScope, type Principal } from '../../auth';
import { GraphqlErrorFilter } from '../graphql-error.filter';
import { LiveEventsService } from '../live-events.service';
import { CarePlanEventObject, TaskEventObject } from '../types/events.type';

/**
 * Live updates over WebSocket (`graphql-transport-ws` at /graphql), authenticated at
 * `connection_init` with `{ "authorization": "Bearer …" }`.
 */
@Resolver()
@UseFilters(GraphqlErrorFilter)
export class EventsResolver {
  constructor(private readonly live: LiveEventsService) {}

  @Subscription(() => CarePlanEventObject, {
    resolve: (payload: CarePlanEventObject) => payload,
    description: 'Committed changes to care plans and their Tasks (of one patient, or all); ends when the access token expires',
  })
  @RequireScope('CarePlan', 'r')
  carePlanEvents(
    @CurrentPrincipal() principal: Principal,
    @Context() context: object,
    @Args('patientId', { type: () => ID, nullable: true }) patientId?: string,
  ): AsyncIterableIterator<CarePlanEventObject> {
    return this.live.carePlanEvents(context, principal, patientId ?? undefined);
  }

  @Subscription(() => TaskEventObject, {
    resolve: (payload: TaskEventObject) => payload,
    description: 'Committed changes to Tasks (of one owner, e.g. "Practitioner/123", or all); ends when the access token expires',
  })
  @RequireScope('Task', 'r')
  taskEvents(
    @CurrentPrincipal() principal: Principal,
    @Context() context: object,
    @Args('owner', { nullable: true }) owner?: string,
  ): AsyncIterableIterator<TaskEventObject> {
    return this.live.taskEvents(context, principal, owner ?? undefined);
  }
}
