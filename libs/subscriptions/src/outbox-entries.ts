import type { Resource } from '@medplum/fhirtypes';
import { isEventResourceType, topicsOf } from './topics';

/** A change the store committed (the shape of the store's `ResourceChange`). */
export interface StoreChange {
  readonly interaction: 'create' | 'update' | 'delete';
  readonly resourceType: string;
  readonly id: string;
  readonly versionId: string;
  readonly resource?: Resource;
  readonly previous?: Resource;
}

/** One outbox row to write with the change. */
export interface OutboxEntry {
  readonly resourceType: string;
  readonly resourceId: string;
  readonly versionId: number;
  readonly interaction: 'create' | 'update' | 'delete';
  /** Topic URLs, primary (most specific) first; never empty. */
  readonly topics: readonly string[];
  /** ISO instant: the version's `meta.lastUpdated`, else `at` (a delete). */
  readonly occurredAt: string;
}

/**
 * The outbox rows of a write: one per change to an event resource type (CarePlan, Task,
 * ServiceRequest, Coverage, Encounter), with the topics it is an event of. Other types: none.
 */
export function outboxEntriesOf(changes: readonly StoreChange[], at: string): OutboxEntry[] {
  return changes
    .filter((change) => isEventResourceType(change.resourceType))
    .map((change) => ({
      resourceType: change.resourceType,
      resourceId: change.id,
      versionId: Number(change.versionId),
      interaction: change.interaction,
      topics: topicsOf({ interaction: change.interaction, resourceType: change.resourceType, current: change.resource, previous: change.previous }),
      occurredAt: change.resource?.meta?.lastUpdated ?? at,
    }));
}
