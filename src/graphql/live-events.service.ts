import { Inject, Injectable } from '@nestjs/common';
import type { CarePlan, Task } from '@medplum/fhirtypes';
import { scopesAllow } from '@liaison/smart-scopes';
import { parseOwnerReference } from '@liaison/task-workflow';
import { notAuthenticated, type Principal } from '../auth';
import { ChangeStream, type ChangeEvent } from '../events';
import { CLOCK, Clock } from '../platform/clock/clock';
import type { SubscriptionAuth } from './graphql.options';
import { LiveStream } from './live-stream';
import { carePlanObject } from './types/care-plan.type';
import type { CarePlanEventObject, TaskEventObject } from './types/events.type';
import { taskObject } from './types/task.type';

function subjectOf(event: ChangeEvent): string | undefined {
  if (event.resourceType === 'CarePlan') return (event.resource as CarePlan | undefined)?.subject?.reference;
  if (event.resourceType === 'Task') return (event.resource as Task | undefined)?.for?.reference;
  return undefined;
}

function isPlanTask(event: ChangeEvent): boolean {
  return event.resourceType === 'Task' && ((event.resource as Task | undefined)?.basedOn ?? []).some((ref) => ref.reference?.startsWith('CarePlan/'));
}

/**
 * GraphQL subscriptions over the outbox's change stream (issue 7): a WebSocket connection is
 * authenticated once at `connection_init`; every event is then checked again — same tenant,
 * and the token still grants reading the event's resource type — and the stream ends when the
 * token expires.
 */
@Injectable()
export class LiveEventsService {
  constructor(
    private readonly changes: ChangeStream,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  /** Changes to care plans and to the Tasks of care plans, of one patient or all. */
  carePlanEvents(context: object, principal: Principal, patientId: string | undefined): AsyncIterableIterator<CarePlanEventObject> {
    const patient = patientId && `Patient/${patientId}`;
    const wanted = (event: ChangeEvent): boolean =>
      (event.resourceType === 'CarePlan' || isPlanTask(event) || (event.resourceType === 'Task' && !event.resource && !patient)) &&
      (!patient || subjectOf(event) === patient);
    return this.stream(context, principal, wanted, (event) => ({
      ...this.header(event),
      resourceType: event.resourceType,
      ...(event.resource?.resourceType === 'CarePlan' && { carePlan: carePlanObject(event.resource) }),
      ...(event.resource?.resourceType === 'Task' && { task: taskObject(event.resource, this.clock.now().getTime()) }),
    }));
  }

  /** Changes to Tasks, of one owner or all. */
  taskEvents(context: object, principal: Principal, owner: string | undefined): AsyncIterableIterator<TaskEventObject> {
    const ownerRef = owner === undefined ? undefined : Object.values(parseOwnerReference(owner, 'owner')).join('/');
    const wanted = (event: ChangeEvent): boolean =>
      event.resourceType === 'Task' && (!ownerRef || (event.resource as Task | undefined)?.owner?.reference === ownerRef);
    return this.stream(context, principal, wanted, (event) => ({
      ...this.header(event),
      ...(event.resource?.resourceType === 'Task' && { task: taskObject(event.resource, this.clock.now().getTime()) }),
    }));
  }

  private header(event: ChangeEvent): Omit<TaskEventObject, 'task'> {
    return {
      sequence: event.sequence,
      topic: event.topic,
      occurredAt: event.occurredAt,
      resourceId: event.resourceId,
      versionId: Number(event.versionId),
    };
  }

  private stream<Payload>(
    context: object,
    principal: Principal,
    wanted: (event: ChangeEvent) => boolean,
    payload: (event: ChangeEvent) => Payload,
  ): AsyncIterableIterator<Payload> {
    const expiresAtMs = (context as Partial<SubscriptionAuth>).tokenExpiresAtMs;
    if (expiresAtMs === undefined) throw notAuthenticated('subscriptions are served over WebSocket (graphql-transport-ws) at /graphql');
    const source = this.changes.subscribe(principal.tenantId, wanted)[Symbol.asyncIterator]();
    const accept = (event: ChangeEvent): Payload | undefined => {
      // Checked again for every event: the tenant, and read access to what the event shows.
      if (event.tenantId !== principal.tenantId || !scopesAllow(principal.scopes, event.resourceType, 'r')) return undefined;
      return payload(event);
    };
    return new LiveStream(source, accept, expiresAtMs, this.clock);
  }
}
